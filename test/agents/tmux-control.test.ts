/**
 * The tmux backend's connections (`connect`): one control-mode client carries a
 * driven session's screen reads and keys. Real tmux on a private socket; a
 * `tmux` wrapper first on the client's PATH counts the tmux processes started.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTmuxBackend } from '../../agents/backends/tmux-backend.js';
import { createTmuxRunner, inspectTmux, tmuxClient } from '../../agents/backends/tmux-command.js';
import { openTmuxControl, quoteControlWord } from '../../agents/backends/tmux-control.js';
import { countingTmux, writeScripts } from './session-helpers.js';
import { waitFor } from '../helpers/wait.js';

const socket = `test-${randomBytes(4).toString('hex')}`;
const installed = await inspectTmux(createTmuxRunner({ socket }));
const runTmuxSuites = installed.found || process.env.CI === 'true';

const tmux = (...args: string[]) => execa('tmux', ['-L', socket, ...args], { reject: false, stdin: 'ignore' });
/** The control-mode clients attached to `name`, as tmux lists them. */
const controlClients = async (name: string): Promise<number> =>
  (await tmux('list-clients', '-t', `=${name}`, '-F', '#{client_control_mode}')).stdout
    .split('\n')
    .filter((l) => l === '1').length;

afterAll(async () => {
  await tmux('kill-server');
  rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
});

describe('quoteControlWord', () => {
  it('single-quotes a word, a quote inside closed, escaped and reopened', () => {
    expect(quoteControlWord('=mam-a:')).toBe("'=mam-a:'");
    expect(quoteControlWord("it's")).toBe("'it'\\''s'");
  });

  it('refuses a line break, which would end the command', () => {
    expect(() => quoteControlWord('a\nb')).toThrow(/line break/);
  });
});

describe.runIf(runTmuxSuites)('tmux connections', () => {
  let dir: string;
  let backend: ReturnType<typeof createTmuxBackend>;
  /** tmux processes started through the backend so far. */
  let started: () => string[];
  let count = 0;
  const startEcho = async (): Promise<string> => {
    const name = `mam-test-conn-${String(++count).padStart(8, '0')}`;
    await backend.start({
      name,
      cwd: dir,
      command: '/bin/sh',
      args: [join(dir, 'echo.sh')],
      env: { PATH: '/usr/bin:/bin' },
    });
    await waitFor(async () => (await backend.readScreen(name)).includes('ready'), 5000, 'the echo script');
    return name;
  };

  beforeAll(() => {
    dir = writeScripts();
    const counting = countingTmux(dir);
    started = counting.calls;
    backend = createTmuxBackend({ socket, env: counting.env });
  });
  afterAll(async () => {
    for (const name of await backend.list()) await backend.terminate(name, { graceMs: 200 });
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads and types through one control client while connected, and detaches it on close', async () => {
    const name = await startEcho();
    // A screen line that looks like the end of a control-mode reply, and characters beyond ASCII.
    await backend.sendText(name, '%end 1 2 1 › é \\ $HOME');
    await backend.sendKeys(name, ['Enter']);
    await waitFor(async () => (await backend.readScreen(name)).includes('echo:%end'), 5000, 'the echo');
    const alone = await backend.readScreen(name);

    const before = started().length;
    const line = await backend.connect(name);
    expect(await controlClients(name)).toBe(1);
    expect(await backend.readScreen(name)).toBe(alone);
    for (let i = 0; i < 20; i++) await backend.readScreen(name);
    await backend.sendKeys(name, ['Up', 'Down']);
    // The connection's own client is the only tmux process these reads and keys started.
    expect(started().slice(before)).toEqual([`-L ${socket} -C attach-session -t =${name} -f ignore-size`]);

    await line.close();
    await line.close();
    expect(await controlClients(name)).toBe(0);
    await backend.readScreen(name);
    expect(started().length).toBe(before + 2);
    await backend.terminate(name, { exitKeys: [{ text: 'quit' }, 'Enter'], graceMs: 1000 });
  });

  it('reports a session that ended while connected as gone, like an unconnected read', async () => {
    const name = await startEcho();
    const line = await backend.connect(name);
    await backend.sendText(name, 'quit');
    await backend.sendKeys(name, ['Enter']);
    await waitFor(async () => !(await backend.isAlive(name)), 5000, 'the session to end');
    await expect(backend.readScreen(name)).rejects.toMatchObject({ code: 'MAM_ERR_SESSION' });
    await expect(backend.sendKeys(name, ['Enter'])).rejects.toMatchObject({ code: 'MAM_ERR_SESSION' });
    await line.close();
  });

  it('does without a control client when the session cannot be attached', async () => {
    const line = await backend.connect('mam-test-conn-missing');
    await expect(backend.readScreen('mam-test-conn-missing')).rejects.toMatchObject({ code: 'MAM_ERR_SESSION' });
    await line.close();
  });

  it('shares one client between holders of the same session, and closes it with the backend', async () => {
    const name = await startEcho();
    const own = createTmuxBackend({ socket });
    const [a, b] = await Promise.all([own.connect(name), own.connect(name)]);
    expect(await controlClients(name)).toBe(1);
    await a.close();
    expect(await controlClients(name)).toBe(1);
    await own.close();
    expect(await controlClients(name)).toBe(0);
    await b.close();
    await backend.terminate(name, { exitKeys: [{ text: 'quit' }, 'Enter'], graceMs: 1000 });
  });

  it("passes a command's words through the control line literally", async () => {
    const name = await startEcho();
    const control = await openTmuxControl(tmuxClient({ socket }), name);
    expect(control).toBeDefined();
    const text = `it's $HOME ~ \\ ; #{session_name} "q"`;
    expect(await control!.run(['set-buffer', '-b', 'mam-test-words', text])).toMatchObject({ ok: true });
    // Read back by a client of its own: show-buffer escapes what it prints to control clients.
    expect((await tmux('show-buffer', '-b', 'mam-test-words')).stdout).toBe(text);
    // A word it cannot carry is refused before it is sent: the replies stay paired with their commands.
    expect(() => control!.run(['set-buffer', '-b', 'mam-test-words', 'two\nlines'])).toThrow(/line break/);
    expect(await control!.run(['display-message', '-p', 'still in step'])).toEqual({
      ok: true,
      stdout: 'still in step',
      stderr: '',
    });
    const failed = await control!.run(['show-buffer', '-b', 'mam-test-no-such-buffer']);
    expect(failed.ok).toBe(false);
    expect(failed.stderr).toMatch(/no buffer/);
    await control!.close();
    expect(control!.open).toBe(false);
    expect(await control!.run(['list-sessions'])).toMatchObject({ ok: false, closed: true });
    await backend.terminate(name, { exitKeys: [{ text: 'quit' }, 'Enter'], graceMs: 1000 });
  });
});
