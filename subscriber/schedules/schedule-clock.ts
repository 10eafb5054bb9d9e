import { firingsBetween, nextFiring } from '../../core/cron.js';
import type { Logger } from '../../core/logger.js';
import type { Registry } from '../registry/registry.js';
import type { ScheduleRow } from '../registry/schedule-writes.js';

export interface ScheduleClockDeps {
  reg: Registry;
  host: string;
  log: Logger;
  /**
   * Starts the schedule's run inside the firing's transaction and returns its id: the firing, the
   * next firing time and the run commit together, so a crash leaves either all of them or none.
   */
  startRun(s: ScheduleRow, params: Record<string, string>): string;
  now?: () => number;
}

/**
 * Fires this host's due schedules, called from each drift sweep. A firing sets the next one after
 * now, not after the time it was due: however many times passed while the reconciler was down,
 * the schedule fires once for them on restart (counted in `missed`), never once per time.
 */
export function createScheduleClock(d: ScheduleClockDeps) {
  const now = d.now ?? Date.now;
  let fired = 0;

  function fire(s: ScheduleRow, at: number): void {
    const due = s.next_at!;
    // Times after the one due that also passed (the reconciler was down): they fire as this one.
    const missed = firingsBetween(s.cron, due, at);
    let run: string | null = null;
    let error: string | null = null;
    d.reg.transaction(() => {
      try {
        run = d.reg.transaction(() => d.startRun(s, JSON.parse(s.params) as Record<string, string>));
      } catch (err) {
        // Recorded with the firing, which still counts: a workflow that cannot start now is not retried
        // at every sweep; `mam schedule list` shows the error.
        error = String((err as Error).message ?? err).slice(0, 2000);
      }
      d.reg.recordFiring({ schedule: s.id, due_at: due, fired_at: at, missed, run, error }, nextFiring(s.cron, at));
    });
    fired++;
    if (error) d.log.warn('schedule fired; its run did not start', { schedule: s.id, due, missed, error });
    else d.log.info('schedule fired', { schedule: s.id, run, due, missed });
  }

  return {
    /** Fires every schedule of this host that is due now. */
    tick(): void {
      const at = now();
      for (const s of d.reg.dueSchedules(d.host, at)) {
        try {
          fire(s, at);
        } catch (err) {
          d.log.error('schedule firing failed', { schedule: s.id, error: (err as Error).message });
        }
      }
    },
    stats: () => ({ fired }),
  };
}
