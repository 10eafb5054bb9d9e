import type { Context } from '../core/context.js';
import { alive } from './daemons.js';
import { readRegistryIfAny } from './open-registry.js';

export interface RecordedSession {
  job: string;
  gen: number;
  backend: string;
  name: string;
  pid: number | null;
  state: string;
  /** the session's process still exists: the registry's "live" is only what the reconciler last saw */
  alive: boolean;
}

/**
 * Sessions of this host the registry records as not ended, each checked
 * against the process table: with the reconciler down (after `mam down`)
 * nobody marks a session that died since, and pty sessions die with it.
 */
export function recordedSessions(ctx: Context): RecordedSession[] {
  return readRegistryIfAny(ctx, [], (reg) =>
    reg
      .liveSessions(ctx.cfg.host)
      .map((s) => ({
        job: s.job,
        gen: s.gen,
        backend: s.backend,
        name: s.name,
        pid: s.pid,
        state: reg.getJob(s.job)?.state ?? '?',
        alive: s.pid !== null && alive(s.pid),
      })),
  );
}
