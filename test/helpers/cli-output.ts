import { expect } from 'vitest';

interface CliResult {
  exitCode?: number;
  stdout: unknown;
  stderr: unknown;
}

/** A failure a user can act on: the expected exit code, a hint line, and no stack trace or internal error. */
export function expectCleanFailure(r: CliResult, exitCode: number): void {
  const stderr = String(r.stderr);
  expect(r.exitCode, stderr).toBe(exitCode);
  expect(stderr).toMatch(/^\s+hint: \S/m);
  expect(stderr).not.toMatch(/^\s+at \S/m);
  expect(stderr).not.toContain('internal error');
}

/** The JSON lines a `--json` command printed. */
export function jsonLines<T = Record<string, unknown>>(stdout: unknown): T[] {
  return String(stdout)
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}
