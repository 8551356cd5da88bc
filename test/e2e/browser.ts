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
 * In the page: every visible control smaller than a 44 pt touch target or without an accessible name
 * (a string, since the root's TypeScript has no DOM types).
 */
const AUDIT_CONTROLS = `(() => {
  const controls = document.querySelectorAll('button, a, input, textarea, [role="button"], [role="link"], [role="checkbox"], [role="switch"], [role="tab"], [role="radio"]');
  return [...controls].filter((element) => element.checkVisibility()).flatMap((element) => {
    const box = element.getBoundingClientRect();
    const label = element.labels && element.labels[0] ? element.labels[0].textContent : '';
    const name = (element.getAttribute('aria-label') || element.textContent || element.getAttribute('placeholder') || label || '').trim();
    const problems = [];
    if (box.width < 44 || box.height < 44) problems.push('smaller than 44x44 (' + Math.round(box.width) + 'x' + Math.round(box.height) + ')');
    if (!name) problems.push('no accessible name');
    return problems.length ? [{ control: name || element.outerHTML.slice(0, 80), problems }] : [];
  });
})()`;

export interface ControlAudit {
  control: string;
  problems: string[];
}

/**
 * Saves the whole page as artifacts/screenshots/<prefix><nn>-<name>.png (the screens, for people to look at), and
 * lists each screen's undersized or unnamed controls in artifacts/screenshots/<prefix>controls.json.
 * Only this prefix's earlier files are removed, so two browser tests keep each other's pictures.
 * Animations are run to their end first: a dialog caught mid-fade is not what a person sees.
 * `onPage` shoots another page than the default one (a story with several people in it).
 */
export function screenshotter(page: Page | undefined, prefix = '') {
  const ours = (file: string) => file === `${prefix}controls.json` || (file.startsWith(prefix) && /^\d{2}-.*\.png$/.test(file.slice(prefix.length)));
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  for (const file of fs.readdirSync(SCREENSHOTS).filter(ours)) fs.rmSync(path.join(SCREENSHOTS, file));
  const audit: Record<string, ControlAudit[]> = {};
  let count = 0;
  return async (name: string, onPage: Page | undefined = page) => {
    if (!onPage) throw new Error('screenshotter: no page to shoot');
    count += 1;
    const file = `${prefix}${String(count).padStart(2, '0')}-${name}`;
    await onPage.screenshot({ path: path.join(SCREENSHOTS, `${file}.png`), fullPage: true, animations: 'disabled' });
    const found = (await onPage.evaluate(AUDIT_CONTROLS)) as ControlAudit[];
    if (found.length > 0) audit[file] = found;
    fs.writeFileSync(path.join(SCREENSHOTS, `${prefix}controls.json`), `${JSON.stringify(audit, null, 2)}\n`);
  };
}
