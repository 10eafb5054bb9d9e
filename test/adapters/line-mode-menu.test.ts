/**
 * Menus as real terminals show them, on real tmux (private socket) and real node-pty:
 * - keys reach a menu only once the program reads keys: a menu drawn while its terminal is still
 *   in line mode is waited on, because the terminal would echo the keys as text ("^[[B");
 * - a menu that draws its answer in two writes is answered from what holds, never from the
 *   half-drawn frame between them, which still shows the marker where it was.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

const FIXTURES = join(packageRoot(), 'test', 'fixtures');
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
      args: [join(FIXTURES, 'line-mode-menu.mjs')],
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

const TRUST: ScreenSpec = {
  ...SPEC,
  agent: 'trusting',
  dialogs: [{ name: 'trust', detect: /Is this a project you trust\?/, choose: /^Yes\b/ }],
};

describe.each(['tmux', 'pty'])('a menu drawn in two writes (%s)', (kind) => {
  it('gets one Down and Enter on Yes: no second Down from the half-drawn frame, which would wrap to No', async () => {
    const backend = backends[kind]!;
    const name = `mam-slow-draw-${kind}`;
    const keysLog = join(dir, `keys-${kind}.log`);
    await backend.start({
      name,
      cwd: dir,
      command: process.execPath,
      args: [join(FIXTURES, 'slow-draw-menu.mjs')],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', DRAW_GAP_MS: '40', KEYS_LOG: keysLog },
    });
    try {
      const jobDir = mkdtempSync(join(dir, 'job-'));
      const signal = new AbortController().signal;
      const ready = await waitUntilReady({ backend, name, signal }, TRUST, { timeoutMs: 20_000, jobId: 'j2', jobDir });
      expect(ready.screen).toContain('picked Yes, I trust this folder');
      expect(readFileSync(keysLog, 'utf8').trim().split('\n')).toEqual(['"\\u001b[B"', '"\\r"']);
    } finally {
      await backend.terminate(name, { graceMs: 500 });
    }
  });
});
