import { hostRows } from '../../cli/host-rows.js';
import { describeRun } from '../../cli/run-show.js';
import type { Context } from '../../core/context.js';
import { hostsPath, loadHostsFile } from '../../core/host-identity.js';
import type { Registry } from '../../subscriber/registry/registry.js';
import { queuePositions } from '../../subscriber/scheduler/queue-position.js';
import { isWaiting } from '../../subscriber/scheduler/scheduler.js';
import type { HostStatus } from './follow-broker.js';

const DAY_MS = 86_400_000;

/** The dashboard's views beyond the board and the job page: hosts, queue, inbox, runs, stats. */
export function createReadViews(ctx: Context, reg: () => Registry, statuses: () => HostStatus[]) {
  const agingMs = ctx.cfg.scheduler.agingSeconds * 1000;
  return {
    /** Every known host, as `mam hosts` lists it (cli/host-rows.ts), with its breakers. */
    hosts() {
      const r = reg();
      const seen = new Map(statuses().map((s) => [s.host, s.body]));
      const heard = new Map(r.hostStatuses().map((h) => [h.host, h]));
      return hostRows(ctx.cfg.host, loadHostsFile(hostsPath(ctx.ws)), seen, heard).map((h) => ({
        ...h,
        breakers: r.breakersOf(h.host),
      }));
    },
    /** Waiting jobs in the order each host's scheduler takes them, with why they wait. */
    queue() {
      const r = reg();
      const waiting = [
        ...r.listJobs({ state: 'queued', limit: 5000 }),
        ...r.listJobs({ state: 'retrying', limit: 5000 }),
      ];
      const at = queuePositions(
        r,
        waiting.map((j) => j.host),
        agingMs,
      );
      return waiting
        .filter(isWaiting)
        .map((j) => ({
          id: j.id,
          host: j.host,
          agent: j.agent,
          state: j.state,
          priority: j.priority,
          reason: j.reason,
          position: at.get(j.id) ?? null,
          created_at: j.created_at,
        }))
        .sort((a, b) => a.host.localeCompare(b.host) || (a.position ?? 1e9) - (b.position ?? 1e9));
    },
    /** What needs a person: open escalations with the command that resolves each. */
    inbox: () => reg().openEscalations(),
    runs() {
      const r = reg();
      return r.listRuns(200).map((run) => {
        const { steps } = describeRun(r, run);
        const items = steps.flatMap((s) => s.items);
        const { workflow: _w, ...rest } = run;
        return { ...rest, steps: items.length, done: items.filter((i) => i.state === 'done').length };
      });
    },
    run(id: string) {
      const r = reg();
      const run = r.getRun(id);
      return run ? describeRun(r, run) : undefined;
    },
    /** Jobs by state over the last day, success rate, time to done and retries per agent and host. */
    stats() {
      const r = reg();
      return { counts: r.jobCounts(), outcomes: r.outcomes(), changes: r.stateChanges(Date.now() - DAY_MS) };
    },
  };
}
