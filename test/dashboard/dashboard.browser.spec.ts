import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Browser } from 'playwright-core';
import { SCREENSHOTS, describeWithBrowser, launchChromium } from '../support/browser';
import { CREDENTIALS, NewsletterSignup, OrderPlaced, startDashboardApp } from './dashboard-app';

describeWithBrowser('dashboard in a browser', () => {
  let browser: Browser;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('logs in with basic auth, sees every queue, and opens a job to read its event', async () => {
    const dashboard = await startDashboardApp();
    app = dashboard.app;
    const receipt = await dashboard.bus.publish(new NewsletterSignup('ada@example.com'));
    await dashboard.bus.publish(new OrderPlaced('o-42', 25, new Date('2026-11-23T14:04:05.000Z')));
    const context = await browser.newContext({ httpCredentials: CREDENTIALS, viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();

    await page.goto(`${dashboard.url}/queues`);
    await page.getByText('mailing.welcome').first().waitFor();
    await page.getByText('billing.issue-invoice · lane 2/2').first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-queues.png'), fullPage: true });

    await page.goto(`${dashboard.url}/queues/queue/mailing.welcome?status=waiting`);
    await page.getByText('shop.newsletter-signup → mailing.welcome').first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-queue.png'), fullPage: true });

    await page.goto(`${dashboard.url}/queues/queue/mailing.welcome/${encodeURIComponent(receipt.jobs[0]!.jobId)}`);
    await page.getByText('ada@example.com').first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-job.png'), fullPage: true });
    await context.close();
  });

  it('does not show the board to a browser with wrong credentials', async () => {
    const dashboard = await startDashboardApp();
    app = dashboard.app;
    const context = await browser.newContext({
      httpCredentials: { username: CREDENTIALS.username, password: 'guess' },
    });
    const page = await context.newPage();

    const response = await page.goto(`${dashboard.url}/queues`);

    expect(response?.status()).toBe(401);
    expect(await page.content()).not.toContain('mailing.welcome');
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-refused.png') });
    await context.close();
  });
});
