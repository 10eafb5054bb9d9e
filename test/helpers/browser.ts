/**
 * Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, each launch with a
 * fresh profile, for the dashboard's tests. In CI a missing browser fails the suite.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const skipBrowser = !existsSync(CHROMIUM) && process.env.CI !== 'true';
export const browserTitle = (what: string) =>
  skipBrowser ? `${what} (skipped: ${CHROMIUM} not installed; CI=true makes this fail)` : what;

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** what the page logged as errors (CSP refusals, script errors) */
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'mam-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // The dashboard's certificate is issued by the workspace's own CA, which this profile does not know.
    ignoreHTTPSErrors: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where tests leave screenshots for people to look at (kept after the run). */
export function artifactPath(name: string): string {
  return join(process.cwd(), 'test-artifacts', name);
}
