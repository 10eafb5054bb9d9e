/**
 * A screen read while the agent's frame is half-drawn (cleared, the input line begun, its text
 * not yet written) must not count as a submitted prompt: the fake Claude on real node-pty sends
 * every frame showing typed text in two writes 60 ms apart and drops the first Enter, redrawing.
 * The drive confirms the prompt only once the fake has really taken it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claudeAdapter } from '../../agents/adapters/claude.js';
import { createPtyBackend } from '../../agents/backends/pty-backend.js';
import { packageRoot } from '../../core/package-root.js';
import { waitFor } from '../helpers/wait.js';

const FAKE = join(packageRoot(), 'test', 'fixtures', 'fake-claude.mjs');
const dir = mkdtempSync(join(tmpdir(), 'mam-split-frame-'));
const backend = createPtyBackend();
afterAll(async () => {
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a half-drawn frame', () => {
  it('is not taken for a submitted prompt', async () => {
    const n = 1;
    const jobDir = join(dir, `job${n}`);
    mkdirSync(jobDir);
    const fakeLog = join(dir, `fake${n}.log`);
    const name = `mam-claude-split-${n}`;
    await backend.start({
      name,
      cwd: dir,
      command: process.execPath,
      args: [FAKE],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LANG: 'C.UTF-8',
        FAKE_START_MS: '200',
        FAKE_TRUSTED: '1',
        FAKE_WORK_MS: '5000',
        FAKE_DROP_ENTERS: '1',
        FAKE_SPLIT_FRAME_MS: '60',
        FAKE_LOG: fakeLog,
      },
    });
    try {
      const job = {
        id: `j${n}`,
        gen: 1,
        workdir: dir,
        prompt: 'add a --json flag to the list command',
        jobDir,
        env: {},
        config: {},
      };
      await claudeAdapter.drive!({ backend, name, signal: new AbortController().signal }, job);
      const log = readFileSync(fakeLog, 'utf8');
      expect(log).toContain('enter dropped');
      expect(log).toContain('submitted "add a --json flag to the list command"');
    } finally {
      await backend.terminate(name, { exitKeys: claudeAdapter.exitKeys, graceMs: 1000 });
      await waitFor(async () => !(await backend.isAlive(name)), 5000, 'the session to end');
    }
  });
});
