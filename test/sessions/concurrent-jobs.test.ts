/**
 * 50 jobs at once through one host (issue 4): each is created by a signed
 * control.create, launched in its own session (tmux and pty alternately),
 * writes its artifact, reports done with `mam emit`, and is ended by mam.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { startHost, type TestHost } from '../helpers/host/index.js';

const JOBS = 50;

const tail = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').slice(-600) : '(no session log)');

describe(`${JOBS} concurrent jobs on one host`, () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ sweepIntervalMs: 1000 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('all go create → done, and every session ends', { timeout: 120_000 }, async () => {
    const ids = Array.from({ length: JOBS }, (_, i) => `many-${i}`);
    // Created ten at a time (each create is a TLS connection of its own); all fifty then run at once.
    for (let i = 0; i < JOBS; i += 10) {
      await Promise.all(
        ids
          .slice(i, i + 10)
          .map((id, k) => h.createJob({ id, backend: (i + k) % 2 ? 'pty' : 'tmux', expect: ['out.txt'] })),
      );
    }
    const states = () => h.read((reg) => ids.map((id) => reg.getJob(id)?.state ?? 'missing'));
    await waitFor(() => states().every((s) => s === 'done'), 90_000, 'every job done').catch(() => {
      const now = states();
      const tally = now.reduce<Record<string, number>>((t, s) => ({ ...t, [s]: (t[s] ?? 0) + 1 }), {});
      // What the agents that did not make it printed (a failed `mam emit` says why there).
      const screens = ids
        .filter((_, i) => now[i] !== 'done')
        .map((id) => `${id} (${h.job(id)?.reason}):\n${tail(join(h.ctx.ws.jobDir(id), 'session.log'))}`);
      throw new Error(`not every job reached done: ${JSON.stringify(tally)}\n${screens.join('\n')}\n${h.logs()}`);
    });
    const open = () => h.read((reg) => ids.filter((id) => !reg.getSession(id, 1)?.ended_at));
    await waitFor(() => open().length === 0, 30_000, 'every session ended').catch(() => {
      throw new Error(`sessions still open: ${open().join(', ')}\n${h.logs()}`);
    });
    const sessions = h.read((reg) => ids.map((id) => reg.getSession(id, 1)!));
    expect(new Set(sessions.map((s) => s.name)).size).toBe(JOBS);
    expect(sessions.filter((s) => s.backend === 'pty')).toHaveLength(JOBS / 2);
    for (const s of sessions) {
      expect(s.end_reason, s.job).toMatch(/^job\.done/);
      expect(await h.sessionAlive(s), `${s.job} (${s.backend}) still alive`).toBe(false);
    }
    // Nothing on the private socket is left over, and nothing was refused along the way.
    expect((await h.tmux('list-sessions', '-F', '#{session_name}')).stdout.trim()).toBe('');
    expect(h.read((reg) => reg.countRejections())).toEqual([]);
  });
});
