import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser); `.ci/run` installs it. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where browser tests save their screenshots (named in the README). */
export const SCREENSHOTS = join(__dirname, '..', '..', 'test-results', 'screenshots');

/**
 * `describe` when Chromium is there; otherwise one passing test that says why the browser tests did not run (a
 * machine without it still runs the rest of the suite).
 */
export const describeWithBrowser: (name: string, body: () => void) => void = existsSync(CHROMIUM)
  ? describe
  : (name: string) =>
      describe(name, () => {
        it(`did not run: no Chromium at ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it)`, () => {
          console.warn(`${name}: did not run, no Chromium at ${CHROMIUM}`);
        });
      });

/** Headless Chromium with the flags this machine needs; creates the screenshot folder. */
export function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
