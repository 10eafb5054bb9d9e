import { gateMarker, stopLeftoverGate } from '../policies/run-gate.js';
import type { DriftDeps } from './drift-deps.js';

/**
 * A job in testing whose check never finished, with no gate of it running in this process: the
 * reconciler stopped (or was killed) during its run, or between the commit that asked for it and
 * its start. What is left of an interrupted run is stopped, the run is recorded as interrupted —
 * not an attempt: it says nothing about the work — and the gate runs again as a new run with a log
 * of its own. Once per check in this process's life; a check still settling is its batch's.
 */
export function createInterruptedGateCheck(d: DriftDeps) {
  const { reg, log } = d;
  const tried = new Set<string>();

  return async function checkInterruptedGates(): Promise<void> {
    for (const row of reg.jobsAwaitingCheck(d.host)) {
      if (d.busy(row.id) || d.settling(row.id)) continue;
      const open = reg.latestCheck(row.id);
      if (!open || open.result !== null || tried.has(`${row.id}\0${open.n}`)) continue;
      tried.add(`${row.id}\0${open.n}`);
      if (open.started_at !== null) {
        const stopped = await stopLeftoverGate(
          open.pid,
          gateMarker(d.ctx.cfg.namespace, row.id, open.n),
          d.ctx.cfg.sessions.killGraceMs,
        );
        reg.transaction(() => {
          reg.closeOpenChecks(row.id, 'interrupted');
          reg.requestCheck(row.id, open.gen, open.command);
        });
        log.warn('quality gate run interrupted; running it again', {
          job: row.id,
          run: open.n,
          leftoverStopped: stopped,
        });
      } else {
        log.warn('quality gate check never started; starting it', { job: row.id, check: open.n });
      }
      void d.onJob(row.id, () => d.runChecks(row.id));
    }
  };
}
