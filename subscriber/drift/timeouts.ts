import type { JobSpec } from '../launch-session.js';
import { timeoutReason } from '../timeout-reason.js';
import type { DriftDeps } from './drift-deps.js';

/** Live jobs past their timeout (or their start deadline): timed out, and their session ended. */
export async function checkTimeouts(d: DriftDeps): Promise<void> {
  const now = Date.now();
  for (const row of d.reg.liveJobs(d.host)) {
    const session = d.reg.getSession(row.id, row.gen);
    const since = session?.started_at ?? row.created_at;
    const timeoutMs = (JSON.parse(row.spec) as JobSpec).timeoutMs;
    const why = timeoutReason(
      timeoutMs,
      d.ctx.cfg.sessions.startDeadlineSeconds,
      row.state,
      session !== undefined,
      now - since,
    );
    if (why) {
      d.log.warn('job timed out', { job: row.id, why });
      await d.onJob(row.id, async () => {
        const after = await d.act(row.id, 'timeout', why);
        if (after) await d.end(after, 'timeout');
      });
    }
  }
}
