import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextFiring } from '../../../core/cron.js';
import { createLogger } from '../../../core/logger.js';
import { openRegistry, type Registry } from '../../../subscriber/registry/registry.js';
import { createScheduleClock } from '../../../subscriber/schedules/schedule-clock.js';

let dir: string;
let reg: Registry;
const log = createLogger({ component: 'test', level: 'error', write: () => {} });
const T0 = Date.parse('2026-12-04T10:00:00Z');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mam-sched-'));
  reg = openRegistry(join(dir, 'mam.db'));
});
afterEach(() => {
  reg.close();
  rmSync(dir, { recursive: true, force: true });
});

function add(id: string, cron: string, host = 'h1') {
  reg.putSchedule({
    id,
    host,
    cron,
    file: `${id}.yaml`,
    workflow: 'steps: []',
    params: JSON.stringify({ module: 'core' }),
    added_by: 'operator@h1',
    added_at: T0,
    next_at: nextFiring(cron, T0),
  });
}

/** A clock at a time the test sets, whose runs are rows the test can count. */
function clockAt(start: number, startRun: (id: string, params: Record<string, string>) => string) {
  const t = { now: start };
  const clock = createScheduleClock({ reg, host: 'h1', log, now: () => t.now, startRun: (s, p) => startRun(s.id, p) });
  return { t, clock };
}

describe('the schedule clock', () => {
  it('fires nothing before the time, once at it, and sets the next time after now', () => {
    add('every2s', '*/2 * * * * *');
    const runs: string[] = [];
    const { t, clock } = clockAt(T0 + 1000, (id, p) => {
      runs.push(`${id}:${p.module}`);
      return `run-${runs.length}`;
    });
    clock.tick();
    expect(runs).toEqual([]);
    t.now = T0 + 2000;
    clock.tick();
    clock.tick();
    expect(runs).toEqual(['every2s:core']);
    expect(reg.getSchedule('every2s')).toMatchObject({ last_fired_at: T0 + 2000, next_at: T0 + 4000 });
    expect(reg.scheduleFirings('every2s')).toMatchObject([{ due_at: T0 + 2000, missed: 0, run: 'run-1', error: null }]);
  });

  it('after a downtime that passed five firing times, fires once for them, saying so', () => {
    add('every2s', '*/2 * * * * *');
    const runs: string[] = [];
    const { t, clock } = clockAt(T0 + 10_500, (id) => {
      runs.push(id);
      return `run-${runs.length}`;
    });
    clock.tick();
    clock.tick();
    expect(runs).toHaveLength(1);
    // Due at T0+2 s; T0+4, 6, 8 and 10 s passed too.
    expect(reg.scheduleFirings('every2s')).toMatchObject([{ due_at: T0 + 2000, fired_at: T0 + 10_500, missed: 4 }]);
    expect(reg.getSchedule('every2s')!.next_at).toBe(T0 + 12_000);
    t.now = T0 + 12_000;
    clock.tick();
    expect(runs).toHaveLength(2);
  });

  it('a run that cannot start is recorded with the firing, and the schedule moves on instead of firing every sweep', () => {
    add('broken', '*/2 * * * * *');
    let calls = 0;
    const { clock } = clockAt(T0 + 2000, () => {
      calls++;
      throw new Error('workflow: step "b" needs unknown step "x"');
    });
    clock.tick();
    clock.tick();
    expect(calls).toBe(1);
    expect(reg.scheduleFirings('broken')).toMatchObject([
      { run: null, error: expect.stringContaining('unknown step') },
    ]);
    expect(reg.getSchedule('broken')!.next_at).toBe(T0 + 4000);
  });

  it("fires only this host's schedules, and none that was removed", () => {
    add('mine', '*/2 * * * * *');
    add('theirs', '*/2 * * * * *', 'h2');
    add('gone', '*/2 * * * * *');
    expect(reg.removeSchedule('gone')).toBe(true);
    const runs: string[] = [];
    const { clock } = clockAt(T0 + 2000, (id) => {
      runs.push(id);
      return id;
    });
    clock.tick();
    expect(runs).toEqual(['mine']);
  });
});
