import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPtyBackend } from '../../agents/backends/pty-backend.js';
import { describeBackendContract } from './backend-contract.js';
import { isRunning, liveGroupMembers, writeScripts } from './session-helpers.js';
import { waitFor } from '../helpers/wait.js';

describeBackendContract('pty', () => createPtyBackend());

describe('pty specifics', () => {
  it('hangs up its sessions on close, killing those that ignore SIGHUP', async () => {
    const dir = writeScripts();
    const backend = createPtyBackend();
    const env = { PATH: '/usr/bin:/bin' };
    const polite = await backend.start({
      name: 'pty-close-polite',
      cwd: dir,
      command: '/bin/sh',
      args: [join(dir, 'polite.sh')],
      env,
    });
    const stubborn = await backend.start({
      name: 'pty-close-stubborn',
      cwd: dir,
      command: '/bin/sh',
      args: [join(dir, 'stubborn.sh')],
      env,
    });
    await waitFor(
      async () => (await backend.readScreen('pty-close-stubborn')).includes('stubborn'),
      5000,
      'the script',
    );
    await backend.close();
    await backend.close();
    expect(isRunning(polite.pid)).toBe(false);
    await waitFor(() => liveGroupMembers(stubborn.pid).length === 0, 3000, 'the stubborn group to be gone');
    expect(await backend.list()).toEqual([]);
    await expect(backend.start({ name: 'late', cwd: dir, command: '/bin/true', args: [], env })).rejects.toMatchObject({
      code: 'MAM_ERR_SESSION',
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second session with a live name', async () => {
    const backend = createPtyBackend();
    const spec = { name: 'pty-dup', cwd: '/', command: '/bin/sleep', args: ['100'], env: {} };
    await backend.start(spec);
    await expect(backend.start(spec)).rejects.toMatchObject({ code: 'MAM_ERR_SESSION' });
    // A generous grace: a loaded machine can take a while to deliver SIGTERM's exit.
    expect(await backend.terminate('pty-dup', { graceMs: 5000 })).toEqual({ endedBy: 'sigterm' });
    await backend.close();
  });
});
