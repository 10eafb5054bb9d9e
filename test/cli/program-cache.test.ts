/**
 * The `mam` program runs the CLI bundle through V8's code cache
 * (cli/program.ts): written by a command's first successful run, used by the
 * next, and never trusted blindly — a damaged cache is rejected by V8 and the
 * command runs as if there were none.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../core/package-root.js';
import { MAM_BIN } from '../helpers/workspace.js';

const cacheOf = (command: string) => join(packageRoot(), 'dist', 'code-cache', `${command}.bin`);
const mam = (...args: string[]) => execa(process.execPath, [MAM_BIN, ...args], { reject: false });

describe('the program and its code cache', () => {
  it('writes the cache on a successful run, runs from it, and recovers from a damaged one', async () => {
    const file = cacheOf('gc');
    rmSync(file, { force: true });
    const first = await mam('gc', '--help');
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/^mam gc/);
    expect(statSync(file).size).toBeGreaterThan(10_000);

    const second = await mam('gc', '--help');
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toBe(first.stdout);

    const garbage = randomBytes(4096);
    writeFileSync(file, garbage);
    const third = await mam('gc', '--help');
    expect(third.exitCode, third.stderr).toBe(0);
    expect(third.stdout).toBe(first.stdout);
    // Rejected, so written anew from this run.
    expect(readFileSync(file).equals(garbage)).toBe(false);
  });

  it('writes no cache for a run that failed', async () => {
    const file = cacheOf('no-such-command');
    rmSync(file, { force: true });
    const r = await mam('no-such-command');
    expect(r.exitCode).toBe(2);
    expect(existsSync(file)).toBe(false);
  });
});
