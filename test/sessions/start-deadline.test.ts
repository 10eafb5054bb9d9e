/**
 * An agent that never reports cannot keep its job `starting` forever: with no
 * timeout of its own, the job ends as timeout past sessions.startDeadlineSeconds,
 * for a resumed generation as for the first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../helpers/host/index.js';

let h: TestHost;
beforeAll(async () => {
  h = await startHost({ sweepIntervalMs: 300, config: { sessions: { startDeadlineSeconds: 2, killGraceMs: 500 } } });
});
afterAll(async () => {
  await h?.close();
});

// Generation 1 reports it started; every later generation stays silent.
const SILENT_AFTER_FIRST = `[ "$MAM_GEN" = 1 ] && mam emit job.started
exec sleep 600
`;

describe('a command agent that never reports', () => {
  it('a resumed generation that stays starting ends as timeout past the start deadline, its session ended', async () => {
    const { id } = await h.createJob({ backend: 'tmux', script: SILENT_AFTER_FIRST });
    await h.waitJob(id, (j) => j.state === 'running', 'running');
    expect((await h.mam(['job', 'stop', id])).exitCode).toBe(0);
    await h.waitJob(id, (j) => j.state === 'cancelled', 'cancelled');
    const resumed = await h.mam(['job', 'resume', id]);
    expect(resumed.exitCode, String(resumed.stderr)).toBe(0);
    await h.waitSession(id);
    expect(h.job(id)?.gen).toBe(2);
    const job = await h.waitJob(id, (j) => j.state === 'timeout', 'timeout past the start deadline', 15_000);
    expect(job.reason).toMatch(/no event from the agent within 2 s of its launch \(sessions\.startDeadlineSeconds/);
    await h.waitJob(id, () => h.session(id)?.ended_at != null, 'the session ended', 10_000);
  });
});
