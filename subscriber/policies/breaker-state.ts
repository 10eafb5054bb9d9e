import type { BreakerRow } from '../registry/policy-writes.js';

/** One failure a breaker counts: a job's generation that failed or was lost, and why. */
export interface BreakerFailure {
  job: string;
  gen: number;
  at: number;
  why: string;
}

export interface BreakerLimits {
  /** consecutive failures that open the breaker (breaker.failures) */
  failures: number;
  windowMs: number;
  cooldownMs: number;
}

const WHY_MAX = 120;
const REASON_MAX = 2000;

export function closedBreaker(host: string, agent: string): BreakerRow {
  return { host, agent, state: 'closed', failures: '[]', reason: null, opened_at: null, probe_job: null };
}

export function failuresOf(b: BreakerRow): BreakerFailure[] {
  try {
    const list = JSON.parse(b.failures) as unknown;
    return Array.isArray(list) ? (list as BreakerFailure[]) : [];
  } catch {
    return [];
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
const short = (why: string) => (why.length > WHY_MAX ? `${why.slice(0, WHY_MAX - 1)}…` : why);

/**
 * A closed breaker counts a failure: failures older than the window drop out, the same generation
 * counts once, and the K-th opens it. Open or half-open, only the probe's failure matters: it opens
 * the breaker again for a new cooldown. Returns the new row, or undefined when nothing changes.
 */
export function afterFailure(
  b: BreakerRow,
  f: BreakerFailure,
  limits: BreakerLimits,
  now: number,
): BreakerRow | undefined {
  const what = `${b.agent} on ${b.host}`;
  if (b.state !== 'closed') {
    if (b.state !== 'half-open' || b.probe_job !== f.job) return undefined;
    const reason = `breaker open for ${what} since ${iso(now)} (probe job ${f.job} failed: ${short(f.why)})`;
    return { ...b, state: 'open', opened_at: now, probe_job: null, reason: reason.slice(0, REASON_MAX) };
  }
  const earlier = failuresOf(b);
  if (earlier.some((x) => x.job === f.job && x.gen === f.gen)) return undefined;
  const failures = [...earlier, { ...f, why: short(f.why) }].filter((x) => x.at > now - limits.windowMs);
  if (failures.length < limits.failures) return { ...b, failures: JSON.stringify(failures) };
  const list = failures.map((x) => `${x.job}: ${x.why}`).join('; ');
  const reason = `breaker open for ${what} since ${iso(now)} (${failures.length} failures: ${list})`;
  return {
    ...b,
    state: 'open',
    failures: JSON.stringify(failures),
    opened_at: now,
    probe_job: null,
    reason: reason.slice(0, REASON_MAX),
  };
}

/**
 * A job of the agent finished (done): closed, its run of failures ends; half-open, the probe's done
 * closes the breaker. An open breaker waits for its probe: a job launched before it opened proves
 * nothing about the agent now. Returns the new row, or undefined when nothing changes.
 */
export function afterSuccess(b: BreakerRow, job: string): BreakerRow | undefined {
  if (b.state === 'closed') return b.failures === '[]' ? undefined : { ...b, failures: '[]' };
  if (b.state === 'half-open' && b.probe_job === job) return closedBreaker(b.host, b.agent);
  return undefined;
}

/** An open breaker past its cooldown turns half-open (one probe job may launch); undefined when not due. */
export function afterCooldown(b: BreakerRow, limits: BreakerLimits, now: number): BreakerRow | undefined {
  if (b.state !== 'open' || b.opened_at === null || now < b.opened_at + limits.cooldownMs) return undefined;
  return { ...b, state: 'half-open', probe_job: null };
}

/** Why a half-open breaker holds every job but its probe. */
export function probeReason(b: BreakerRow): string {
  const since = b.opened_at === null ? '' : ` (open since ${iso(b.opened_at)})`;
  return `breaker half-open for ${b.agent} on ${b.host}: waiting for probe job ${b.probe_job}${since}`;
}
