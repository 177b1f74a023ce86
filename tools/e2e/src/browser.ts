import fs from 'node:fs';
import path from 'node:path';
import { Browser, chromium } from 'playwright-core';

export const SCREENSHOT_DIR = path.resolve(__dirname, '../../../tmp/e2e-screenshots');

/** Debian's Chromium, headless, with the flags that keep it off the network (Playwright gives it a fresh profile). */
export async function launchChromium(): Promise<Browser> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const shot = (name: string) => path.join(SCREENSHOT_DIR, `${name}.png`);
