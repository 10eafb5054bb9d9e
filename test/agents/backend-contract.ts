/**
 * Behaviour every SessionBackend must show, run against the real tmux and the
 * real node-pty by their own suites.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionName } from '../../agents/session-name.js';
import { isRunning, liveGroupMembers, writeScripts } from './session-helpers.js';
import { waitFor } from '../helpers/wait.js';
import type { SessionBackend, SessionSpec } from '../../agents/session-backend.js';
import type { ScriptName } from './session-helpers.js';

export function describeBackendContract(label: string, makeBackend: () => SessionBackend): void {
  describe(`${label} backend contract`, () => {
    let backend: SessionBackend;
    let dir: string;
    let count = 0;

    const spec = (script: ScriptName, extra: Partial<SessionSpec> = {}): SessionSpec => ({
      name: sessionName({ agent: 'test', workdir: dir, job: `job-${++count}` }),
      cwd: dir,
      command: '/bin/sh',
      args: [join(dir, `${script}.sh`)],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MAM_TEST_VAR: 'value 1' },
      cols: 100,
      rows: 30,
      ...extra,
    });

    const screenOf = async (name: string, text: string): Promise<string> => {
      let screen = '';
      await waitFor(async () => (screen = await backend.readScreen(name)).includes(text), 5000, `"${text}" on ${name}`);
      return screen;
    };

    beforeAll(() => {
      backend = makeBackend();
      dir = writeScripts();
    });
    afterAll(async () => {
      for (const name of await backend.list()) await backend.terminate(name, { graceMs: 200 });
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('starts a session, shows its screen, echoes typed text and reports a live pid', async () => {
      const s = spec('echo');
      const info = await backend.start(s);
      expect(info).toMatchObject({ name: s.name, backend: backend.name });
      await screenOf(s.name, `ready cwd=${dir} var=value 1`);
      await backend.sendText(s.name, 'hello world');
      await backend.sendKeys(s.name, ['Enter']);
      await screenOf(s.name, 'echo:hello world');
      expect(await backend.pid(s.name)).toBe(info.pid);
      expect(isRunning(info.pid)).toBe(true);
      expect((await execa('ps', ['-o', 'args=', '-p', String(info.pid)])).stdout).toContain('echo.sh');
      expect(await backend.list()).toContain(s.name);
      expect(await backend.isAlive(s.name)).toBe(true);
      expect(await backend.terminate(s.name, { exitKeys: [{ text: 'quit' }, 'Enter'], graceMs: 3000 })).toEqual({
        endedBy: 'exit-keys',
      });
      expect(await backend.isAlive(s.name)).toBe(false);
      expect(await backend.list()).not.toContain(s.name);
      expect(await backend.pid(s.name)).toBeUndefined();
      await waitFor(() => !isRunning(info.pid), 2000, 'the program to be gone');
    });

    it('brackets a paste only when the program asked for bracketed paste', async () => {
      const plain = spec('echo');
      const brackets = spec('echo', { args: [join(dir, 'echo.sh'), 'brackets'] });
      await backend.start(plain);
      await backend.start(brackets);
      for (const s of [plain, brackets]) {
        await screenOf(s.name, 'ready');
        await backend.sendText(s.name, 'one\ntwo', { paste: true });
        await backend.sendKeys(s.name, ['Enter']);
        await screenOf(s.name, 'echo:');
      }
      const plainScreen = await screenOf(plain.name, 'echo:two');
      expect(plainScreen).toContain('echo:one');
      expect(plainScreen).not.toContain('tag:bracketed');
      await screenOf(brackets.name, 'tag:bracketed');
    });

    it('escalates to SIGTERM when exit keys are ignored', async () => {
      const s = spec('polite');
      const { pid } = await backend.start(s);
      await screenOf(s.name, 'polite');
      // Grace long enough that a loaded machine still delivers SIGTERM's exit before SIGKILL.
      expect(await backend.terminate(s.name, { exitKeys: ['C-c'], graceMs: 2500 })).toEqual({ endedBy: 'sigterm' });
      expect(await backend.isAlive(s.name)).toBe(false);
      await waitFor(() => liveGroupMembers(pid).length === 0, 2000, 'the process group to be gone');
    });

    it('needs SIGKILL for a program that traps TERM, and kills its whole process group', async () => {
      const s = spec('stubborn');
      const { pid } = await backend.start(s);
      await screenOf(s.name, 'stubborn');
      await waitFor(() => liveGroupMembers(pid).length >= 2, 3000, 'the sleep child');
      expect(await backend.terminate(s.name, { exitKeys: ['C-c'], graceMs: 400 })).toEqual({ endedBy: 'sigkill' });
      expect(await backend.isAlive(s.name)).toBe(false);
      await waitFor(() => liveGroupMembers(pid).length === 0, 2000, 'the process group to be gone');
    });

    it('reports an unknown session as already gone and refuses to read it', async () => {
      expect(await backend.terminate('mam-test-nothing-00000000')).toEqual({ endedBy: 'already-gone' });
      expect(await backend.isAlive('mam-test-nothing-00000000')).toBe(false);
      await expect(backend.readScreen('mam-test-nothing-00000000')).rejects.toMatchObject({ code: 'MAM_ERR_SESSION' });
    });

    it('refuses invalid names and missing working directories', async () => {
      await expect(backend.start(spec('echo', { name: 'bad.name' }))).rejects.toMatchObject({
        code: 'MAM_ERR_SESSION',
      });
      await expect(backend.start(spec('echo', { name: 'bad:name' }))).rejects.toMatchObject({
        code: 'MAM_ERR_SESSION',
      });
      await expect(backend.start(spec('echo', { cwd: join(dir, 'missing') }))).rejects.toMatchObject({
        code: 'MAM_ERR_SESSION',
      });
    });

    it('announces output through a connection, and a read after the announcement shows it', async () => {
      const s = spec('echo');
      await backend.start(s);
      await screenOf(s.name, 'ready');
      const connection = await backend.connect!(s.name);
      // Each announcement answered by a read at once: the last read shows the last thing printed.
      const reads: Array<Promise<string>> = [];
      const stop = connection.onOutput!(() => reads.push(backend.readScreen(s.name)));
      await backend.sendText(s.name, 'announced line');
      await backend.sendKeys(s.name, ['Enter']);
      await waitFor(() => reads.length > 0, 5000, 'an announcement');
      await waitFor(
        async () => (await Promise.all(reads)).at(-1)!.includes('echo:announced line'),
        5000,
        'a read after the last announcement to show the echo',
      );
      stop();
      await connection.close();
      const after = reads.length;
      await backend.sendText(s.name, 'unheard');
      await backend.sendKeys(s.name, ['Enter']);
      await screenOf(s.name, 'echo:unheard');
      expect(reads.length).toBe(after);
      await backend.terminate(s.name, { exitKeys: [{ text: 'quit' }, 'Enter'], graceMs: 3000 });
    });

    it('appends everything the session prints to its log file', async () => {
      const logFile = join(dir, `${label}.log`);
      const s = spec('echo', { logFile });
      await backend.start(s);
      await screenOf(s.name, 'ready');
      await backend.sendText(s.name, 'logged line');
      await backend.sendKeys(s.name, ['Enter']);
      await waitFor(() => readFileSync(logFile, 'utf8').includes('echo:logged line'), 5000, 'the log');
      await backend.terminate(s.name, { exitKeys: [{ text: 'quit' }, 'Enter'] });
      expect(readFileSync(logFile, 'utf8')).toContain('ready cwd=');
    });
  });
}
