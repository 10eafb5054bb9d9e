/**
 * `mam demo` end to end (issue 4, deliver 7), as a user runs it: its own
 * process in a fresh workspace, starting the broker and reconciler daemons
 * with `mam up`, running the demo agent in a real git repository, verifying
 * the termination, and stopping the daemons again. Once per backend.
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

  it('runs to the end: job done, its session verifiably ended, daemons down', { timeout: 180_000 }, async () => {
    tw = await makeWorkspace({ namespace: 'demo' });
    socket = `test-${randomBytes(5).toString('hex')}`;
    tw.patchConfig({ broker: { port: await freePort() }, sessions: { tmuxSocket: socket } });
    const r = await runMam(tw, ['demo', '--backend', backend], { timeout: 150_000 });
    const out = String(r.stdout);
    repo = /agent script in (\S+)/.exec(out)?.[1];
    expect(r.exitCode, `stdout:\n${out}\nstderr:\n${r.stderr}`).toBe(0);
    expect(out).toContain(`session backend: ${backend}`);
    expect(out).toMatch(/broker\s+started/);
    expect(out).toMatch(/reconciler started/);
    expect(out).toMatch(/dashboard  started .* at https:\/\/127\.0\.0\.1:/);
    // Live events, each verified, then the states the reconciler published.
    for (const type of ['job.started', 'job.progress', 'job.done'])
      expect(out).toMatch(new RegExp(`event  ${type.replace('.', '\\.')}.*\\[signature verified\\]`));
    expect(out).toMatch(/state  running/);
    expect(out).toMatch(/state  done/);
    expect(out).not.toContain('UNVERIFIED');
    expect(out).toMatch(
      new RegExp(`verified termination: session mam-command-\\S+ \\(${backend}, pid \\d+\\) ended after "job\\.done`),
    );
    expect(out).toMatch(
      /expected artifacts (were )?present: result\.txt and a new commit.*\([0-9a-f]+ demo agent: add result\.txt\)/,
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
