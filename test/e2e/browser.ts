import fs from 'node:fs';
import path from 'node:path';
// playwright-core is the app's dev dependency (mobile/), not the API's.
import { chromium, type Browser, type Page } from '../../mobile/node_modules/playwright-core/index.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless. A missing browser fails the run (a skipped e2e would pass unnoticed). */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the browser e2e test needs it.\n` +
        'Install it with `apt-get update && apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export const SCREENSHOTS = path.resolve(__dirname, '../../artifacts/screenshots');

/**
 * Saves the whole page as artifacts/screenshots/<nn>-<name>.png (the screens, for people to look at).
 * Animations are run to their end first: a dialog caught mid-fade is not what a person sees.
 */
export function screenshotter(page: Page) {
  fs.rmSync(SCREENSHOTS, { recursive: true, force: true });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  let count = 0;
  return async (name: string) => {
    count += 1;
    await page.screenshot({ path: path.join(SCREENSHOTS, `${String(count).padStart(2, '0')}-${name}.png`), fullPage: true, animations: 'disabled' });
  };
}
