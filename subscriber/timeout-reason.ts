/**
 * Why a live job times out now, if it does: past its own timeout, or — with
 * none — still `starting` (no event since its session launched, a resume's
 * included) past sessions.startDeadlineSeconds, so an agent that never
 * reports cannot stay starting forever.
 */
export function timeoutReason(
  timeoutMs: number | undefined,
  deadlineSeconds: number,
  state: string,
  launched: boolean,
  elapsedMs: number,
): string | undefined {
  if (timeoutMs) return elapsedMs > timeoutMs ? `timed out after ${timeoutMs} ms` : undefined;
  if (state !== 'starting' || !launched || !deadlineSeconds || elapsedMs <= deadlineSeconds * 1000) return undefined;
  return `no event from the agent within ${deadlineSeconds} s of its launch (sessions.startDeadlineSeconds; give the job a --timeout, or have it report with \`mam emit job.started\`)`;
}
