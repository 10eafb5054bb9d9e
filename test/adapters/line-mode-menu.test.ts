/**
 * Keys reach a menu only once the program reads keys: a menu drawn while its
 * terminal is still in line mode is waited on, not answered, because the
 * terminal would echo the keys as text onto the screen ("^[[B") instead of
 * handing them over. Real tmux on a private socket and real node-pty.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { createPtyBackend } from '../../agents/backends/pty-backend.js';
import { createTmuxBackend } from '../../agents/backends/tmux-backend.js';
import type { ScreenSpec } from '../../agents/readiness/screen-spec.js';
import { waitUntilReady } from '../../agents/readiness/wait-ready.js';
import type { SessionBackend } from '../../agents/session-backend.js';
import { packageRoot } from '../../core/package-root.js';

const FIXTURE = join(packageRoot(), 'test', 'fixtures', 'line-mode-menu.mjs');
const socket = `test-${randomBytes(4).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'mam-line-mode-'));
const backends: Record<string, SessionBackend> = { tmux: createTmuxBackend({ socket }), pty: createPtyBackend() };
afterAll(async () => {
  for (const b of Object.values(backends)) await b.close();
  await execa('tmux', ['-L', socket, 'kill-server'], { reject: false, stdin: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
});

const SPEC: ScreenSpec = {
  agent: 'colors',
  ready: [/READY>/],
  busy: [],
  dialogs: [{ name: 'color', detect: /Choose a color/, choose: /^Blue\b/ }],
  blockers: [],
  inputLine: /^READY>(.*)$/,
  pasteMarker: /\[Pasted/,
};

describe.each(['tmux', 'pty'])('a menu drawn in line mode (%s)', (kind) => {
  it('is answered only once its program reads keys: no key echoed as text, the wanted option picked', async () => {
    const backend = backends[kind]!;
    const name = `mam-line-mode-${kind}`;
    await backend.start({
      name,
      cwd: dir,
      command: process.execPath,
      args: [FIXTURE],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', LINE_MODE_MS: '1500' },
    });
    try {
      const jobDir = mkdtempSync(join(dir, 'job-'));
      const signal = new AbortController().signal;
      const ready = await waitUntilReady({ backend, name, signal }, SPEC, { timeoutMs: 20_000, jobId: 'j1', jobDir });
      expect(ready.answered).toEqual(['color']);
      expect(ready.screen).toContain('picked Blue');
      expect(ready.screen).not.toContain('^[');
    } finally {
      await backend.terminate(name, { graceMs: 500 });
    }
  });
});
