/**
 * `mam demo` end to end, as a user runs it: its own process in a fresh
 * workspace, starting the broker and reconciler daemons with `mam up`, running
 * the demo workflow (plan → two parts in parallel, gated and reviewed, one
 * NOT_PASS reworked → merge) with scripted agents in a real git repository,
 * streaming the verified events, ending with the summary table, and stopping
 * the daemons again. Once per backend.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonLines } from '../helpers/cli-output.js';
import { makeWorkspace, runMam, type TestWorkspace } from '../helpers/workspace.js';

/** A port nothing listens on right now: the daemons of `mam up` must not meet another suite's broker. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(['tmux', 'pty'] as const)('mam demo --backend %s', (backend) => {
  let tw: TestWorkspace | undefined;
  let socket = '';
  let repo: string | undefined;
  afterEach(async () => {
    if (!tw) return;
    // Whatever happened, no daemon, session or temp folder outlives the test.
    await runMam(tw, ['down']);
    await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
    if (repo) rmSync(repo, { recursive: true, force: true });
    tw.cleanup();
  });

  it('runs its workflow to the end: every step done, the review loop, every session ended, daemons down', {
    timeout: 180_000,
  }, async () => {
    tw = await makeWorkspace({ namespace: 'demo' });
    socket = `test-${randomBytes(5).toString('hex')}`;
    tw.patchConfig({ broker: { port: await freePort() }, sessions: { tmuxSocket: socket } });
    const r = await runMam(tw, ['demo', '--backend', backend], { timeout: 150_000 });
    const out = String(r.stdout);
    repo = /agents in (\S+)\/agents/.exec(out)?.[1];
    expect(r.exitCode, `stdout:\n${out}\nstderr:\n${r.stderr}`).toBe(0);
    expect(out).toContain(`session backend: ${backend}`);
    expect(out).toMatch(/broker\s+started/);
    expect(out).toMatch(/reconciler started/);
    expect(out).toMatch(/dashboard  started .* at https:\/\/127\.0\.0\.1:/);
    // Live events of every step, each verified, then the states the reconciler published.
    for (const [job, type] of [
      ['plan-1', 'job.started'],
      ['plan-1', 'job.progress'],
      ['implement-0-1', 'job.done'],
      ['implement-1-1', 'job.done'],
      ['implement-0-1-rv', 'review.verdict'],
      ['implement-0-2', 'job.done'],
      ['merge-1', 'job.done'],
    ])
      expect(out).toMatch(new RegExp(`event  ${job} +${type.replace('.', '\\.')} .*\\[signature verified\\]`));
    expect(out).toMatch(/review\.verdict +NOT_PASS \[\{"message":"no tests for this part"/);
    expect(out).toMatch(/state  implement-0-1 +testing/);
    expect(out).not.toContain('UNVERIFIED');
    // The summary: alpha reworked once after its NOT_PASS, beta passed at once, the merge last.
    const table = out.slice(out.indexOf('  step '));
    for (const row of [
      /plan +1 +demo-[0-9a-f]{8}-plan-1 +done +\d+\.\d s/,
      /implement\[alpha\] +1 .* done +\d/,
      /implement\.review\[alpha\] +1 .* done +NOT_PASS/,
      /implement\[alpha\] +2 .* done/,
      /implement\.review\[alpha\] +2 .* done +PASS/,
      /implement\.review\[beta\] +\d .* done +PASS/,
      /merge +1 .* done/,
    ])
      expect(table).toMatch(row);
    expect(out).toMatch(/run demo-[0-9a-f]{8} done in \d+\.\d s: 8 jobs, every session ended by mam/);
    expect(out).toMatch(
      /the merge's branch mam\/demo-[0-9a-f]{8}-merge-1: [0-9a-f]+ merge: part-alpha\.txt part-beta\.txt/,
    );
    expect(out).toMatch(/reconciler stopped\s+broker\s+stopped/);

    // Afterwards: nothing running, and the registry says done with the session ended.
    const ps = jsonLines<{ daemons: { broker: number | null; reconciler: number | null }; sessions: unknown[] }>(
      (await runMam(tw, ['ps', '--json'])).stdout,
    )[0];
    expect(ps.daemons).toEqual({ broker: null, reconciler: null, dashboard: null });
    expect(ps.sessions).toEqual([]);
    const listed = await execa('tmux', ['-L', socket, 'list-sessions'], { reject: false });
    expect(String(listed.stdout)).not.toMatch(/mam-command/);
  });
});
