/**
 * The parts of a quality gate and an approval decision on their own: the gate process (its log,
 * exit status, timeout and abort ending its whole process group) and the risk decision over a
 * real git repository's changes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processExists } from '../../../agents/backends/escalate-termination.js';
import { packageRoot } from '../../../core/package-root.js';
import { decideApproval, highRiskPaths } from '../../../subscriber/policies/approval-decision.js';
import { runGate } from '../../../subscriber/policies/run-gate.js';
import { waitFor } from '../../helpers/wait.js';

const root = mkdtempSync(join(tmpdir(), 'mam-gate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

function gate(command: string, o: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  const logFile = join(root, `gate-${Math.random().toString(16).slice(2)}.log`);
  const pids: Array<number | undefined> = [];
  const run = runGate({
    command,
    cwd: root,
    env,
    timeoutMs: o.timeoutMs ?? 10_000,
    logFile,
    graceMs: 300,
    signal: o.signal ?? new AbortController().signal,
    onStart: (pid) => pids.push(pid),
  });
  return { run, logFile, pids };
}

describe('runGate', () => {
  it('a passing gate: exit 0, its output in its log under the command', async () => {
    const g = gate('echo checking; echo all good >&2');
    const r = await g.run;
    expect(r).toMatchObject({ exitCode: 0, timedOut: false, aborted: false });
    const log = readFileSync(g.logFile, 'utf8');
    expect(log).toMatch(/^\$ echo checking/);
    expect(log).toMatch(/checking\nall good\n# exit 0/);
  });

  it('a failing gate: its exit status and the last 40 lines of its output', async () => {
    const r = await gate('seq 1 100; exit 3').run;
    expect(r.exitCode).toBe(3);
    expect(r.tail).toHaveLength(40);
    expect(r.tail.at(-2)).toBe('100');
    expect(r.tail.at(-1)).toMatch(/^# exit 3/);
  });

  it('a gate past its timeout: its whole process group ends, a child it left in the background too', async () => {
    const g = gate('sleep 30 & echo $! > bg.pid; sleep 30', { timeoutMs: 500 });
    const r = await g.run;
    expect(r).toMatchObject({ timedOut: true, exitCode: null });
    const bg = Number(readFileSync(join(root, 'bg.pid'), 'utf8'));
    await waitFor(() => !processExists(bg), 3000, 'the background child to end');
    expect(processExists(g.pids[0]!)).toBe(false);
    expect(readFileSync(g.logFile, 'utf8')).toMatch(/# timed out after 500 ms/);
  });

  it('an aborted gate is stopped and says so: the run is not an outcome', async () => {
    const ctl = new AbortController();
    const g = gate('sleep 30', { signal: ctl.signal });
    setTimeout(() => ctl.abort('the reconciler is stopping'), 200);
    const r = await g.run;
    expect(r).toMatchObject({ aborted: true, timedOut: false, exitCode: null });
    expect(readFileSync(g.logFile, 'utf8')).toMatch(/# stopped: the reconciler is stopping/);
  });
});

describe('the risk decision', () => {
  const globs = ['**/package-lock.json', '**/*auth*', 'schemas/**', '.github/**'];

  it('high-risk paths: by the path or a folder above it, dot folders included', () => {
    const paths = [
      'README.md',
      'package-lock.json',
      'web/package-lock.json',
      'src/auth/session.ts',
      'src/oauth.ts',
      '.github/workflows/ci.yml',
      'docs/schemas.md',
    ];
    expect(highRiskPaths(paths, globs)).toEqual([
      'package-lock.json',
      'web/package-lock.json',
      'src/auth/session.ts',
      'src/oauth.ts',
      '.github/workflows/ci.yml',
    ]);
    expect(highRiskPaths(paths, [])).toEqual([]);
  });

  it('a real repository: a README-only change is auto; a lockfile (untracked or committed) needs a person', async () => {
    const repo = join(root, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', repo, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args], {
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    writeFileSync(join(repo, 'README.md'), 'one\n');
    git('add', '.');
    git('commit', '-qm', 'base');
    const base = git('rev-parse', 'HEAD');
    const highRisk = shippedHighRisk();
    writeFileSync(join(repo, 'README.md'), 'two\n');
    git('commit', '-qam', 'readme');
    expect(await decideApproval('risk', { cwd: repo, base, highRisk })).toMatchObject({ decision: 'auto', paths: [] });
    writeFileSync(join(repo, 'package-lock.json'), '{}\n');
    const untracked = await decideApproval('risk', { cwd: repo, base, highRisk });
    expect(untracked).toMatchObject({ decision: 'human', paths: ['package-lock.json'] });
    expect(untracked.detail).toMatch(/1 of 2 changed path\(s\) match approvals.highRisk: package-lock.json/);
    git('add', '.');
    git('commit', '-qm', 'lock');
    expect(await decideApproval('risk', { cwd: repo, base, highRisk })).toMatchObject({
      decision: 'human',
      paths: ['package-lock.json'],
    });
    // No base to diff against: the changes cannot be listed, so a person decides.
    expect(await decideApproval('risk', { cwd: repo, base: null, highRisk })).toMatchObject({ decision: 'human' });
    expect(await decideApproval('human', { cwd: repo, base, highRisk })).toMatchObject({ decision: 'human' });
    expect(await decideApproval('auto', { cwd: repo, base, highRisk })).toMatchObject({ decision: 'auto' });
  });
});

/** approvals.highRisk as shipped: the config schema's default. */
function shippedHighRisk(): string[] {
  const schema = JSON.parse(readFileSync(join(packageRoot(), 'schemas', 'config.schema.json'), 'utf8'));
  return schema.properties.approvals.properties.highRisk.default;
}
