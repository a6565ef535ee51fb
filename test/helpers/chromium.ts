// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven
// by playwright-core (CI installs the chromium package). Playwright gives each
// launch a fresh temporary profile.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Browser tests run where Chromium is installed, and always on CI (which must have it). */
export const hasChromium = existsSync(CHROMIUM) || Boolean(process.env.CI);

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
