/**
 * Single tmux commands asked for together share one tmux client (tmux-batch.ts):
 * each still gets its own output and status, and a burst of terminations
 * starts a handful of tmux processes instead of two per session. Real tmux
 * on a private socket; a `tmux` wrapper first on PATH counts the processes.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTmuxBackend } from '../../agents/backends/tmux-backend.js';
import { createTmuxBatch } from '../../agents/backends/tmux-batch.js';
import { createTmuxRunner, inspectTmux } from '../../agents/backends/tmux-command.js';
import { countingTmux, liveGroupMembers, writeScripts } from './session-helpers.js';
import { waitFor } from '../helpers/wait.js';

const socket = `test-${randomBytes(4).toString('hex')}`;
const installed = await inspectTmux(createTmuxRunner({ socket }));
const runTmuxSuites = installed.found || process.env.CI === 'true';
const tmux = (...args: string[]) => execa('tmux', ['-L', socket, ...args], { reject: false, stdin: 'ignore' });

afterAll(async () => {
  await tmux('kill-server');
  rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
});

describe.runIf(runTmuxSuites)('tmux batches', () => {
  let dir: string;
  let counting: ReturnType<typeof countingTmux>;
  beforeAll(async () => {
    dir = writeScripts();
    counting = countingTmux(dir);
    // A session of its own keeps the server up between the cases.
    await tmux('new-session', '-d', '-s', 'mam-test-batch-keep', 'sleep 600');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each command of a batch its own output and status, words passed literally', async () => {
    const batched = createTmuxBatch(createTmuxRunner({ socket, env: counting.env }));
    const before = counting.calls().length;
    const text = `it's $HOME ~ \\ ; #{session_name} "q" ;`;
    const results = await Promise.all([
      batched([['has-session', '-t', '=mam-test-batch-keep']]),
      batched([['has-session', '-t', '=mam-test-batch-none-1']]),
      batched([['set-buffer', '-b', 'mam-test-batch-words', text]]),
      batched([['list-panes', '-s', '-t', '=mam-test-batch-keep:', '-F', 'pane #{pane_index}']]),
      batched([['send-keys', '-t', '=mam-test-batch-none-2:', 'Enter']]),
      batched([['display-message', '-p', 'line one']]),
    ]);
    expect(counting.calls().slice(before)).toEqual([`-L ${socket} source-file -`]);
    expect(results[0]).toEqual({ ok: true, stdout: '', stderr: '' });
    expect(results[1]).toMatchObject({ ok: false, stderr: expect.stringContaining('mam-test-batch-none-1') });
    expect(results[2]).toMatchObject({ ok: true });
    expect(results[3]).toEqual({ ok: true, stdout: 'pane 0\n', stderr: '' });
    expect(results[4]).toMatchObject({ ok: false, stderr: expect.stringContaining('mam-test-batch-none-2') });
    expect(results[5]).toEqual({ ok: true, stdout: 'line one\n', stderr: '' });
    expect((await tmux('show-buffer', '-b', 'mam-test-batch-words')).stdout).toBe(text);
    // A lone command runs as a tmux client of its own, as it always did.
    expect(await batched([['display-message', '-p', 'alone']])).toEqual({ ok: true, stdout: 'alone\n', stderr: '' });
    expect(counting.calls().at(-1)).toBe(`-L ${socket} display-message -p alone`);
  });

  it('ends a burst of sessions with a few tmux processes, every process group gone', async () => {
    const backend = createTmuxBackend({ socket, env: counting.env });
    const names = Array.from({ length: 12 }, (_, i) => `mam-test-batch-${String(i).padStart(8, '0')}`);
    const infos = await Promise.all(
      names.map((name) =>
        backend.start({
          name,
          cwd: dir,
          command: '/bin/sh',
          args: [join(dir, 'echo.sh')],
          env: { PATH: '/usr/bin:/bin' },
        }),
      ),
    );
    await waitFor(
      async () => (await Promise.all(names.map((n) => backend.readScreen(n)))).every((s) => s.includes('ready')),
      5000,
      'every echo script',
    );
    const before = counting.calls().length;
    const results = await Promise.all(
      infos.map(async (info) => {
        // What terminate-session.ts does: the live pid checked against the recorded one, then the ladder.
        expect(await backend.pid(info.name)).toBe(info.pid);
        return backend.terminate(info.name, { exitKeys: ['C-c'], graceMs: 2000, pid: info.pid });
      }),
    );
    expect(results.map((r) => r.endedBy)).toEqual(names.map(() => 'exit-keys'));
    // Besides the shared listings that confirm the ends (as many as a slow tmux takes):
    // a batch of pids and one of keys, where each session used to take two clients of its own.
    const perSession = counting
      .calls()
      .slice(before)
      .filter((c) => !c.includes(' list-sessions '));
    expect(perSession).toEqual([`-L ${socket} source-file -`, `-L ${socket} source-file -`]);
    for (const info of infos) {
      expect(await backend.isAlive(info.name)).toBe(false);
      expect(liveGroupMembers(info.pid)).toEqual([]);
    }
    await backend.close();
  });
});
