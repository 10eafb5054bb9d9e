/**
 * `mam job create` refuses what cannot run before anything is sent (exit 2 or 4
 * with a hint), and by default waits until the launch is confirmed or failed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOutbox } from '../../broker/emitter/outbox.js';
import { expectCleanFailure } from '../helpers/cli-output.js';
import { GATED_AGENT, startHost, type TestHost } from '../helpers/host/index.js';

let h: TestHost;
beforeAll(async () => {
  h = await startHost({ sweepIntervalMs: 300 });
});
afterAll(async () => {
  await h?.close();
});

const folder = (name: string) => {
  const dir = join(h.tw.root, 'work', name);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const nothingSent = (id: string) => {
  expect(listOutbox(h.ctx.ws.operatorDir(id))).toEqual([]);
  expect(h.job(id)).toBeUndefined();
};

describe('mam job create checks what it can before sending', () => {
  it('an unknown agent, or the command agent without a program, is a usage error (2)', async () => {
    const r1 = await h.mam(['job', 'create', '--agent', 'nosuch', '--id', 'C1', '--', 'true']);
    expectCleanFailure(r1, 2);
    expect(String(r1.stderr)).toMatch(/unknown agent "nosuch"/);
    nothingSent('C1');
    const r2 = await h.mam(['job', 'create', '--agent', 'command', '--id', 'C2']);
    expectCleanFailure(r2, 2);
    expect(String(r2.stderr)).toMatch(/needs a program/);
    nothingSent('C2');
  });

  it('a workdir that does not exist is not found (4)', async () => {
    const r = await h.mam([
      'job',
      'create',
      '--agent',
      'command',
      '--id',
      'C3',
      '--workdir',
      '/nonexistent/mam-test',
      '--',
      'true',
    ]);
    expectCleanFailure(r, 4);
    expect(String(r.stderr)).toMatch(/\/nonexistent\/mam-test does not exist/);
    nothingSent('C3');
  });

  it('a program not committed, for a job that runs in a fresh worktree, is not found (4) and says to commit it or use --no-worktree', async () => {
    const dir = folder('repo');
    const git = (...a: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...a]);
    git('init', '-q');
    writeFileSync(join(dir, 'README'), 'x\n');
    git('add', 'README');
    git('commit', '-qm', 'first');
    writeFileSync(join(dir, 'agent.sh'), GATED_AGENT, { mode: 0o755 });
    const r = await h.mam(['job', 'create', '--agent', 'command', '--id', 'C4', '--workdir', dir, '--', './agent.sh']);
    expectCleanFailure(r, 4);
    expect(String(r.stderr)).toMatch(/\.\/agent\.sh is not committed/);
    expect(String(r.stderr)).toMatch(/--no-worktree/);
    nothingSent('C4');
  });
});

describe('mam job create waits for the launch', () => {
  it('exits 0 with the id once the session runs (--json says launched)', async () => {
    const dir = folder('ok');
    writeFileSync(join(dir, 'agent.sh'), GATED_AGENT);
    const r = await h.mam([
      'job',
      'create',
      '--agent',
      'command',
      '--id',
      'L1',
      '--workdir',
      dir,
      '--backend',
      'tmux',
      '--json',
      '--',
      'sh',
      'agent.sh',
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(JSON.parse(String(r.stdout))).toMatchObject({ job: 'L1', created: true, launched: true });
    expect(h.session('L1')).toBeDefined();
  });

  it('exits 1 with the reason when the launch fails', async () => {
    // A worktree asked for in a folder that is no git repository: the launch itself fails.
    const r = await h.mam([
      'job',
      'create',
      '--agent',
      'command',
      '--id',
      'L2',
      '--workdir',
      folder('plain'),
      '--worktree',
      '--',
      'true',
    ]);
    expectCleanFailure(r, 1);
    expect(String(r.stderr)).toMatch(
      /L2 was created but did not start: failed \(launch failed: .*not in a git repository/,
    );
    // The job exists: its id is printed all the same, for the caller to inspect or resume it.
    expect(String(r.stdout).trim()).toBe('L2');
  });

  it('--no-wait exits 0 as soon as the create is committed', async () => {
    const r = await h.mam([
      'job',
      'create',
      '--agent',
      'command',
      '--id',
      'L3',
      '--workdir',
      folder('plain2'),
      '--worktree',
      '--no-wait',
      '--json',
      '--',
      'true',
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(JSON.parse(String(r.stdout))).toMatchObject({ job: 'L3', created: true, launched: false });
  });
});
