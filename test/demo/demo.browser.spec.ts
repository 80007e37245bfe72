import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { SCREENSHOTS, describeWithBrowser, launchChromium } from '../support/browser';
import { startDemo } from './demo-app';

describeWithBrowser('demo in a browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the live feed page shows an order and its invoice arrive', async () => {
    const demo = await startDemo();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const log: string[] = [];
    page.on('console', (message) => log.push(message.text()));
    page.on('requestfailed', (request) => log.push(`failed ${request.url()} ${request.failure()?.errorText}`));

    await page.goto(`${demo.base}/feed`);
    await page
      .getByText('live', { exact: true })
      .waitFor({ timeout: 20_000 })
      .catch((error: Error) => {
        throw new Error(`${error.message}\n${log.join('\n')}`);
      });
    const placed = await demo.post<{ id: string }>('/orders', {
      customerId: 'c-browser',
      lines: [{ sku: 'lamp', quantity: 1, unitPriceCents: 4200 }],
    });
    await page.getByRole('cell', { name: 'orders.order-placed' }).waitFor();
    await page.getByRole('cell', { name: 'finances.invoice-issued' }).waitFor();
    await page.getByRole('cell', { name: placed.body.id }).first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'demo-feed.png'), fullPage: true });
    // The page's EventSource keeps a connection open; close it before the app shuts down.
    await context.close();
  });
});
