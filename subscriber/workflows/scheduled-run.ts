import type { Registry } from '../registry/registry.js';
import type { ScheduleRow } from '../registry/schedule-writes.js';
import { startRun } from './start-run.js';

/**
 * The schedule clock's run starter: a run of the schedule's kept workflow, in the clock's firing
 * transaction. Its id comes from the schedule and the firing's due time, so the same firing can
 * only ever start the same run. Steps run in the workspace root unless they name a workdir.
 */
export function scheduledRunStarter(reg: Registry, host: string, workdir: string) {
  return (s: ScheduleRow, params: Record<string, string>): string => {
    const id = `${s.id.slice(0, 15)}-${(s.next_at ?? Date.now()).toString(36)}`;
    if (
      !startRun(
        reg,
        host,
        { id, file: s.file, workflow: s.workflow, workdir, params, by: `schedule:${s.id}` },
        Date.now(),
      )
    )
      throw new Error(`run ${id} of this firing exists already`);
    return id;
  };
}
