/**
 * Where the pinned real agent CLIs are (`npm run install-real-clis`), and the
 * throwaway home, keys and wrapper each needs to run offline up to its first
 * model call: for test/agents-real, the screen recorder and the benchmark.
 * Under CI=true a missing CLI is an error, never a skip.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../core/package-root.js';

interface Pinned {
  package: string;
  version: string;
  entry: string;
}

/** agents/real-clis/pinned.json: the versions mam is checked against. */
export const PINNED = (
  JSON.parse(readFileSync(join(packageRoot(), 'agents', 'real-clis', 'pinned.json'), 'utf8')) as {
    clis: Record<string, Pinned>;
  }
).clis;

export const realCliCache = (): string => process.env.MAM_REAL_CLIS || join(homedir(), '.cache', 'mam-real-clis');

/** The CLI's entry script, or undefined when it is not installed (which fails under CI). */
export function realCliEntry(cli: string): string | undefined {
  const p = PINNED[cli]!;
  const entry = join(realCliCache(), `${p.package}@${p.version}`.replace('/', '+'), 'node_modules', p.package, p.entry);
  if (existsSync(entry)) return entry;
  if (process.env.CI === 'true')
    throw new Error(
      `${p.package}@${p.version} is not installed in ${realCliCache()}: run \`npm run install-real-clis\``,
    );
  return undefined;
}

/**
 * A `bin` for agents.<cli>.bin: mam puts its own arguments first (Codex's -c), so node and the entry go in a script.
 */
export function writeCliWrapper(dir: string, cli: string, entry: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `real-${cli}`);
  writeFileSync(file, `#!/bin/sh\nexec "${process.execPath}" "${entry}" "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

/**
 * A throwaway HOME prepared as a person would have it before a first run,
 * and the session environment: the dummy key, and what makes the failing
 * model call end in seconds rather than minutes.
 */
export function realCliHome(cli: string, home: string): Record<string, string> {
  mkdirSync(home, { recursive: true });
  switch (cli) {
    case 'claude':
      // Without it Claude Code tries to onboard online and exits 1.
      writeFileSync(join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true, theme: 'dark' }));
      return { HOME: home, ANTHROPIC_API_KEY: 'sk-ant-dummy', CLAUDE_CODE_MAX_RETRIES: '1' };
    case 'gemini':
      // The user's settings, which mam copies into the job's Gemini home: one attempt, no fetch retries.
      mkdirSync(join(home, '.gemini'), { recursive: true });
      writeFileSync(
        join(home, '.gemini', 'settings.json'),
        JSON.stringify({ general: { maxAttempts: 1, retryFetchErrors: false } }),
      );
      return { HOME: home, GEMINI_API_KEY: 'dummy' };
    case 'codex':
      return { HOME: home, OPENAI_API_KEY: 'sk-dummy' };
    default:
      throw new Error(`no real-CLI home for ${cli}`);
  }
}
