// Headless Chromium for the console's browser tests: Debian's chromium driven by puppeteer-core,
// with a fresh profile and the flags that keep it off the network (a closed machine refuses its
// background connections). CHROMIUM is where it is looked for; tests skip when it is absent.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.CONVENE_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots only when asked (CONVENE_SCREENSHOTS=1), so a test run leaves the checkout clean. */
export const SHOTS = process.env.CONVENE_SCREENSHOTS === '1' ? 'docs/console' : undefined;
/** `describe`'s skip option: a reason when there is no browser. */
export const NO_BROWSER = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (install Debian's chromium or set CONVENE_CHROMIUM)`;

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** A browser with one page of this size; `close` also removes its profile. */
export async function openBrowser(width: number, height: number): Promise<{ browser: Browser; page: Page; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'convene-chromium-'));
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: [...ARGS, `--user-data-dir=${profile}`] });
  const page = await browser.newPage();
  await page.setViewport({ width, height });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  return { browser, page, close: async () => { await browser.close(); rmSync(profile, { recursive: true, force: true }); } };
}
