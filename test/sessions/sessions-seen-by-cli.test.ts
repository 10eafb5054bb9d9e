/**
 * What the CLI says about sessions: `mam job logs -f` ends with the session,
 * `mam ps` never lists a dead session as live, `mam down` names the sessions
 * it leaves running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/wait.js';
import { DONE_AGENT, GATED_AGENT, startHost, type TestHost } from '../helpers/host/index.js';

let h: TestHost;
beforeAll(async () => {
  // No drift sweep during the test: the registry keeps saying "live" for a session that died.
  h = await startHost({ sweepIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await h?.close();
});

describe('sessions as the CLI reports them', () => {
  it("mam job logs -f exits 0 once the job's session has ended", async () => {
    const { id } = await h.createJob({ backend: 'tmux', script: DONE_AGENT });
    await h.waitSession(id);
    const t0 = Date.now();
    const r = await h.mam(['job', 'logs', '-f', id]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(h.session(id)?.ended_at).not.toBeNull();
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('mam ps lists a session whose process is gone apart from the live ones; mam down names the live ones it leaves running', async () => {
    const live = await h.createJob({ backend: 'tmux', script: GATED_AGENT });
    const dead = await h.createJob({ backend: 'tmux', script: GATED_AGENT });
    const ls = await h.waitSession(live.id);
    const ds = await h.waitSession(dead.id);
    process.kill(ds.pid!, 'SIGKILL');
    await waitFor(
      () => {
        try {
          process.kill(ds.pid!, 0);
          return false;
        } catch {
          return true;
        }
      },
      5000,
      'the killed session to be gone',
    );
    const ps = await h.mam(['ps', '--json']);
    expect(ps.exitCode, String(ps.stderr)).toBe(0);
    const out = JSON.parse(String(ps.stdout)) as { sessions: Array<{ job: string }>; gone: Array<{ job: string }> };
    expect(out.sessions.map((s) => s.job)).toContain(live.id);
    expect(out.sessions.map((s) => s.job)).not.toContain(dead.id);
    expect(out.gone.map((s) => s.job)).toContain(dead.id);

    const down = await h.mam(['down']);
    expect(down.exitCode, String(down.stderr)).toBe(0);
    expect(String(down.stdout)).toMatch(/left running: \d+ agent session/);
    expect(String(down.stdout)).toContain(ls.name);
    expect(String(down.stdout)).not.toContain(ds.name);
  });
});
