/**
 * Driving an agent in tmux costs no tmux process per screen read or key: the
 * drive holds one control-mode client from launch to the confirmed prompt.
 * The fake Codex CLI on real tmux (private socket), with a `tmux` wrapper on
 * the client's PATH counting the tmux processes started.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codexAdapter } from '../../agents/adapters/codex.js';
import { createTmuxBackend } from '../../agents/backends/tmux-backend.js';
import { createTmuxRunner, inspectTmux } from '../../agents/backends/tmux-command.js';
import { packageRoot } from '../../core/package-root.js';
import { countingTmux, writeScripts } from '../agents/session-helpers.js';
import { waitFor } from '../helpers/wait.js';

const socket = `test-${randomBytes(4).toString('hex')}`;
const installed = await inspectTmux(createTmuxRunner({ socket }));
const FAKE = join(packageRoot(), 'test', 'fixtures', 'fake-codex.mjs');

describe.runIf(installed.found || process.env.CI === 'true')('driving an agent in tmux', () => {
  let dir: string;
  let counting: ReturnType<typeof countingTmux>;
  let backend: ReturnType<typeof createTmuxBackend>;
  beforeAll(() => {
    dir = writeScripts();
    counting = countingTmux(dir);
    backend = createTmuxBackend({ socket, env: counting.env });
  });
  afterAll(async () => {
    await backend.close();
    await execa('tmux', ['-L', socket, 'kill-server'], { reject: false, stdin: 'ignore' });
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the trust dialog and confirms the prompt over one control client, then detaches it', async () => {
    const jobDir = join(dir, 'job');
    mkdirSync(jobDir);
    const fakeLog = join(dir, 'fake.log');
    const name = 'mam-codex-drive-00000001';
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      FAKE_START_MS: '300',
      FAKE_WORK_MS: '5000',
      FAKE_DROP_ENTERS: '1',
      FAKE_LOG: fakeLog,
    };
    await backend.start({
      name,
      cwd: dir,
      command: process.execPath,
      args: [FAKE],
      env,
      logFile: join(jobDir, 'session.log'),
    });
    const before = counting.calls().length;

    const job = { id: 'j1', gen: 1, workdir: dir, prompt: 'add a --json flag', jobDir, env: {}, config: {} };
    await codexAdapter.drive!({ backend, name, signal: new AbortController().signal }, job);

    const log = readFileSync(fakeLog, 'utf8');
    expect(log).toContain('trust: chose "Trust and continue" (enter)');
    expect(log).toContain('enter dropped');
    expect(log).toContain('submitted "add a --json flag"');
    // Dozens of reads and four keys; tmux processes: the control client and the paste (its text through stdin).
    const drove = counting.calls().slice(before);
    expect(drove).toHaveLength(2);
    expect(drove[0]).toContain(' -C attach-session -t =mam-codex-drive-00000001 ');
    expect(drove[1]).toMatch(/load-buffer .* paste-buffer /);
    const clients = await execa('tmux', ['-L', socket, 'list-clients', '-t', `=${name}`], { stdin: 'ignore' });
    expect(clients.stdout).toBe('');

    await backend.terminate(name, { exitKeys: codexAdapter.exitKeys, graceMs: 2000 });
    await waitFor(async () => !(await backend.isAlive(name)), 5000, 'the session to end');
  });
});
