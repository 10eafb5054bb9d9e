import type { EmitResult } from '../broker/emitter/emit-identity.js';

/**
 * Whether the event still waits in its job's outbox: never sent, or sent and not acknowledged when that was awaited.
 */
export function isQueued(r: EmitResult, waited: boolean): boolean {
  return r.unreachable !== undefined || (waited && !r.committed);
}

/**
 * What `mam emit`, `mam verdict` and `mam job stop|resume` print for an event
 * left in the outbox (exit 75): why, where it is, and what to check. No state
 * of the job at all points at the job id or its host rather than at a slow reconciler.
 */
export function queuedReport(
  command: string,
  what: string,
  job: string,
  r: EmitResult,
  timeoutMs: number,
  jobDir: string,
): string {
  const kept = `kept in ${jobDir}/outbox for re-sending`;
  if (r.unreachable !== undefined) {
    return (
      `mam ${command}: ${what} not sent, the broker is unreachable (${r.unreachable}); ${kept}\n` +
      "  hint: the next `mam emit` for the job, or the host reconciler's sweep, sends it once the broker is back (`mam ps`, `mam up`)\n"
    );
  }
  const hint = r.sawState
    ? "is the reconciler running? `mam up` starts it; `mam ps` shows it. If it runs, `mam rejections` says why it refused the event: unknown_key_id after `mam keys rotate` means that reconciler predates the rotation's key reload (restart it)"
    : `no state of job ${job} arrived: check the job id (\`mam jobs\`), and that the reconciler of its host runs (\`mam ps\`)`;
  return `mam ${command}: ${what} published but not acknowledged within ${timeoutMs} ms; ${kept}\n  hint: ${hint}\n`;
}
