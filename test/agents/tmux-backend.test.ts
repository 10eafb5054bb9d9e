import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTmuxBackend } from '../../agents/backends/tmux-backend.js';
import { createTmuxRunner, escapeTmuxArg, inspectTmux } from '../../agents/backends/tmux-command.js';
import { chooseBackend } from '../../agents/choose-backend.js';
import { describeBackendContract } from './backend-contract.js';
import { writeScripts } from './session-helpers.js';
import { waitFor } from '../helpers/wait.js';

const socket = `test-${randomBytes(4).toString('hex')}`;
const installed = await inspectTmux(createTmuxRunner({ socket }));
// Under CI a missing tmux must fail the suite, not skip it.
const runTmuxSuites = installed.found || process.env.CI === 'true';

// Set before this socket's server exists: a server copies its first client's environment.
process.env.MAM_TEST_LEAK = 'secret';

afterAll(async () => {
  await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
  // tmux leaves the socket file behind; a test run should not.
  rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
});

describe.runIf(runTmuxSuites)('tmux', () => {
  describeBackendContract('tmux', () => createTmuxBackend({ socket }));

  describe('tmux specifics', () => {
    const backend = createTmuxBackend({ socket });
    let dir: string;
    beforeAll(() => {
      dir = writeScripts();
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('is a supported version', () => {
      expect(installed).toMatchObject({ found: true, supported: true });
    });

    it('passes awkward text, arguments, env and directories through unchanged', async () => {
      const cwd = join(dir, 'we#{ird} dir;');
      mkdirSync(cwd);
      const name = 'mam-test-awkward-00000001';
      await backend.start({
        name,
        cwd,
        command: '/bin/sh',
        args: [join(dir, 'show.sh'), 'a;', '#{pane_pid}', "it's \\;"],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MAM_TEST_VAR: 'x;#{session_name}' },
      });
      let screen = '';
      await waitFor(async () => (screen = await backend.readScreen(name)).includes(cwd), 5000, 'the show script');
      expect(screen).toContain('arg:[a;]');
      expect(screen).toContain('arg:[#{pane_pid}]');
      expect(screen).toContain("arg:[it's \\;]");
      expect(screen).toContain('var=[x;#{session_name}]');
      // The daemon's own environment does not reach the session.
      expect(screen).toContain('leak=none');
      await backend.terminate(name, { graceMs: 500 });
    });

    it('types text ending in ";" and containing formats literally', async () => {
      const name = 'mam-test-literal-00000002';
      await backend.start({
        name,
        cwd: dir,
        command: '/bin/sh',
        args: [join(dir, 'echo.sh')],
        env: { PATH: '/usr/bin:/bin' },
      });
      await backend.sendText(name, '-x #{pane_pid} ;');
      await backend.sendKeys(name, ['Enter']);
      await waitFor(async () => (await backend.readScreen(name)).includes('echo:-x #{pane_pid} ;'), 5000, 'the echo');
      await backend.terminate(name, { exitKeys: [{ text: 'quit' }, 'Enter'] });
    });

    it('runs a lone command directly and can be attached to on its socket', async () => {
      const name = 'mam-test-direct-00000003';
      const info = await backend.start({
        name,
        cwd: dir,
        command: join(dir, 'polite.sh'),
        args: [],
        env: { PATH: '/usr/bin:/bin' },
      });
      const has = await execa('tmux', ['-L', socket, 'has-session', '-t', `=${name}`], { reject: false });
      expect(has.exitCode).toBe(0);
      await waitFor(async () => (await backend.readScreen(name)).includes('polite'), 5000, 'the script');
      expect((await execa('ps', ['-o', 'args=', '-p', String(info.pid)])).stdout).toContain('polite.sh');
      await backend.terminate(name, { graceMs: 500 });
    });

    it('matches session names exactly, never by prefix', async () => {
      const long = 'mam-test-prefix-abcdef12';
      await backend.start({ name: long, cwd: dir, command: '/bin/sh', args: [join(dir, 'polite.sh')], env: {} });
      expect(await backend.isAlive('mam-test-prefix')).toBe(false);
      expect(await backend.pid('mam-test-prefix')).toBeUndefined();
      expect(await backend.terminate('mam-test-prefix')).toEqual({ endedBy: 'already-gone' });
      expect(await backend.isAlive(long)).toBe(true);
      await backend.terminate(long, { graceMs: 500 });
    });

    it('lists nothing when no server runs on the socket', async () => {
      expect(await createTmuxBackend({ socket: `${socket}-none` }).list()).toEqual([]);
    });
  });
});

describe('tmux missing', () => {
  const emptyPath = mkdtempSync(join(tmpdir(), 'mam-nopath-'));
  const env = { PATH: emptyPath };
  afterAll(() => rmSync(emptyPath, { recursive: true, force: true }));

  it('throws TMUX_MISSING with a hint from every call that needs tmux', async () => {
    const backend = createTmuxBackend({ socket, env });
    const spec = { name: 'mam-test-x-00000000', cwd: emptyPath, command: '/bin/true', args: [], env: {} };
    const err = await backend.start(spec).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MAM_ERR_TMUX_MISSING' });
    expect((err as { hint?: string }).hint).toMatch(/pty/);
    await expect(backend.list()).rejects.toMatchObject({ code: 'MAM_ERR_TMUX_MISSING' });
    await expect(backend.isAlive('x')).rejects.toMatchObject({ code: 'MAM_ERR_TMUX_MISSING' });
  });

  it('auto falls back to node-pty; an explicit tmux preference fails', async () => {
    const chosen = await chooseBackend('auto', { tmux: { socket, env } });
    expect(chosen.backend.name).toBe('pty');
    expect(chosen.reason).toBe('tmux not found; using node-pty');
    await chosen.backend.close();
    await expect(chooseBackend('tmux', { tmux: { socket, env } })).rejects.toMatchObject({
      code: 'MAM_ERR_TMUX_MISSING',
    });
  });

  it('treats a tmux older than 3.2 as missing', async () => {
    writeFileSync(join(emptyPath, 'tmux'), '#!/bin/sh\necho "tmux 2.9a"\n', { mode: 0o755 });
    const chosen = await chooseBackend('auto', { tmux: { socket, env } });
    expect(chosen.backend.name).toBe('pty');
    expect(chosen.reason).toMatch(/^tmux 2\.9a is older than 3\.2; using node-pty$/);
    await expect(chooseBackend('tmux', { tmux: { socket, env } })).rejects.toMatchObject({
      code: 'MAM_ERR_TMUX_MISSING',
    });
    rmSync(join(emptyPath, 'tmux'));
  });

  it.runIf(runTmuxSuites)('auto picks tmux when it is installed', async () => {
    const chosen = await chooseBackend('auto', { tmux: { socket } });
    expect(chosen.backend.name).toBe('tmux');
    expect(chosen.reason).toMatch(/^tmux \d+\.\d+\S* found$/);
    expect((await chooseBackend('pty')).backend.name).toBe('pty');
  });
});

describe('escapeTmuxArg', () => {
  it('escapes only a trailing semicolon', () => {
    expect(escapeTmuxArg('a;')).toBe('a\\;');
    expect(escapeTmuxArg('a;b')).toBe('a;b');
    expect(escapeTmuxArg('a\\;')).toBe('a\\\\;');
  });
});
