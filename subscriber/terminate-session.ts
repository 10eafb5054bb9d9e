import type { Adapter } from '../agents/adapter.js';
import type { SessionBackend } from '../agents/session-backend.js';
import type { Logger } from '../core/logger.js';
import type { Registry, SessionRow } from './registry/registry.js';

export type TerminateVerdict = { terminated: true; endedBy: string } | { terminated: false; why: string };

/**
 * The one place mam ends a session. Callers come here only after a verified
 * event or action for the job's CURRENT generation was committed; this checks
 * that the live session is still the one the job launched — same name,
 * generation and pid — before anything is sent to it. Anything else leaves
 * the session running and says why.
 */
export async function terminateSession(opts: {
  reg: Registry;
  backend: SessionBackend;
  adapter?: Adapter;
  job: string;
  gen: number;
  reason: string;
  graceMs: number;
  log: Logger;
  /** Ending an older generation a committed resume replaced: the job's current generation must be newer. */
  superseded?: boolean;
}): Promise<TerminateVerdict> {
  const { reg, backend, job, gen, log } = opts;
  const row = reg.getJob(job);
  const session: SessionRow | undefined = reg.getSession(job, gen);
  const refuse = (why: string): TerminateVerdict => {
    log.warn('session kept', { job, gen, why });
    return { terminated: false, why };
  };
  if (!row || (opts.superseded ? row.gen <= gen : row.gen !== gen))
    return refuse(`generation ${gen} is not the job's current generation ${row?.gen}`);
  if (!session) return refuse(`no session recorded for generation ${gen}`);
  if (session.ended_at) return refuse(`session of generation ${gen} already ended (${session.end_reason})`);
  // pid() answers undefined for a session that is gone: a live session costs one backend call here, not two.
  const pid = await backend.pid(session.name);
  if (pid === undefined && !(await backend.isAlive(session.name))) {
    reg.endSession(job, gen, `gone before termination (${opts.reason})`);
    return refuse(`session ${session.name} is already gone`);
  }
  if (session.pid !== null && pid !== session.pid) {
    return refuse(
      `session ${session.name} runs pid ${pid}, not the recorded ${session.pid}: not the session this job launched`,
    );
  }
  const result = await backend.terminate(session.name, {
    exitKeys: opts.adapter?.exitKeys,
    graceMs: opts.graceMs,
    pid,
  });
  reg.endSession(job, gen, opts.reason);
  log.info('session terminated', { job, gen, name: session.name, endedBy: result.endedBy, reason: opts.reason });
  return { terminated: true, endedBy: result.endedBy };
}
