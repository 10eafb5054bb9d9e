import { randomBytes } from 'node:crypto';
import type { Context } from '../core/context.js';
import { openRegistry } from '../subscriber/registry/registry.js';
import type { JobState } from '../subscriber/state-machine.js';

/**
 * A registry as months of work leave it: `jobs` jobs of this host, `live` of them running with a
 * recorded session that no longer exists (the host rebooted), the rest ended within the last day,
 * and `eventsPerJob` events each (the ended ones in the state `ended` gives, done by default). Written straight into the database before any daemon starts.
 */
export function seedRegistry(
  ctx: Context,
  o: { jobs: number; live: number; eventsPerJob: number; ended?: (i: number) => JobState },
): void {
  const { jobs, live, eventsPerJob } = o;
  const reg = openRegistry(ctx.ws.db);
  const host = ctx.cfg.host;
  const now = Date.now();
  const raw = Buffer.from(randomBytes(300).toString('base64'));
  const CHUNK = 5000;
  for (let from = 0; from < jobs; from += CHUNK) {
    reg.transaction(() => {
      for (let i = from; i < Math.min(jobs, from + CHUNK); i++) {
        const id = `scale-${i}`;
        const isLive = i < live;
        const at = now - Math.floor(((jobs - i) / jobs) * 20 * 3600_000);
        reg.restoreJob({
          job: {
            id,
            state: isLive ? 'running' : (o.ended?.(i) ?? 'done'),
            reason: null,
            gen: 1,
            host,
            agent: 'command',
            workdir: null,
            spec: '{}',
            state_seq: 3,
            created_at: at,
            updated_at: at,
            last_event_at: null,
            born_ts: null,
            priority: 5,
            not_before: null,
            attempts: 0,
            gate_runs: 0,
          },
          sessions: [
            {
              job: id,
              gen: 1,
              host,
              backend: 'pty',
              name: `mam-command-scale-${i}-1`,
              pid: null,
              workdir: null,
              git_base: null,
              agent_session_id: null,
              started_at: at,
              ended_at: isLive ? null : at,
              end_reason: isLive ? null : 'done',
            },
          ],
          events: Array.from({ length: eventsPerJob }, (_, k) => ({
            job: id,
            sender: 'agent',
            seq: k + 1,
            gen: 1,
            type: 'job.progress',
            ts: at,
            received_at: at,
            kid: 'k0',
            applied: 1,
            state_after: 'running',
            raw,
          })),
          hwm: [{ sender: 'agent', seq: eventsPerJob }],
        });
      }
    });
  }
  reg.close();
}
