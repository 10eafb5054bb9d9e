/**
 * Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, each launch with a
 * fresh profile, for the dashboard's tests. In CI a missing browser fails the suite.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../../bench/chromium.js';

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
  const { context, profile } = await launchChromium('mam-chromium-');
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
