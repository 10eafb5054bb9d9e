import { existsSync } from 'node:fs';
import type { Context } from '../core/context.js';
import { MamError } from '../core/errors.js';
import { assertId } from '../core/topics.js';
import { PRIORITY_NAMES } from '../subscriber/policies/job-policy.js';
import { openRegistry } from '../subscriber/registry/registry.js';
import { afterOfSpec, dependencyCycle } from '../subscriber/scheduler/dependency-cycle.js';
import { parseDuration, usage } from './args.js';

/** The job-policy flags of `mam job create` (docs/POLICIES.md). */
export const POLICY_FLAGS = {
  priority: { type: 'string' },
  after: { type: 'string', multiple: true },
  'after-any': { type: 'boolean' },
  gate: { type: 'string' },
  'gate-attempts': { type: 'string' },
  'gate-timeout': { type: 'string' },
  retries: { type: 'string' },
  backoff: { type: 'string' },
  approval: { type: 'string' },
} as const;

type PolicyValues = {
  [K in keyof typeof POLICY_FLAGS]?: (typeof POLICY_FLAGS)[K] extends { multiple: true }
    ? string[]
    : (typeof POLICY_FLAGS)[K]['type'] extends 'boolean'
      ? boolean
      : string;
};

function integer(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max)
    throw usage('job create', `--${flag} is a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}

/** "low|normal|high|urgent" or 0–9. */
export function parsePriority(value: string): number {
  if (Object.hasOwn(PRIORITY_NAMES, value)) return PRIORITY_NAMES[value as keyof typeof PRIORITY_NAMES];
  if (/^\d$/.test(value)) return Number(value);
  throw usage('job create', `--priority is low, normal, high, urgent or 0-9 (9 the most urgent), not "${value}"`);
}

/** The create body's policy fields from the flags; nothing for a flag not given (the host's config decides). */
export function policyFields(v: PolicyValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (v.priority !== undefined) body.priority = parsePriority(v.priority);
  const after = (v.after ?? [])
    .flatMap((a) => a.split(','))
    .map((a) => a.trim())
    .filter(Boolean);
  if (after.length) body.after = [...new Set(after.map((a) => assertId(a, '--after job id')))];
  if (v['after-any']) {
    if (!after.length) throw usage('job create', '--after-any needs --after <job>[,<job>…]');
    body.afterAny = true;
  }
  if (v.gate !== undefined) {
    if (!v.gate.trim()) throw usage('job create', '--gate needs a command, e.g. --gate "npm test"');
    body.gate = v.gate;
  }
  if (v['gate-attempts'] !== undefined) body.gateAttempts = integer('gate-attempts', v['gate-attempts'], 1, 20);
  if (v['gate-timeout'] !== undefined)
    body.gateTimeoutMs = Math.max(1000, parseDuration('job create', v['gate-timeout']));
  if (v.retries !== undefined) body.retries = integer('retries', v.retries, 0, 100);
  if (v.backoff !== undefined) {
    // "30s..10m": from 30 s, doubling, at most 10 min; "30s": always 30 s.
    const [lo, hi] = v.backoff.split('..');
    body.backoffMinMs = parseDuration('job create', lo);
    body.backoffMaxMs = hi === undefined ? body.backoffMinMs : parseDuration('job create', hi);
    if ((body.backoffMaxMs as number) < (body.backoffMinMs as number))
      throw usage('job create', `--backoff ${v.backoff}: the maximum is below the minimum`);
  }
  if (v.approval !== undefined) {
    if (!['auto', 'human', 'risk'].includes(v.approval))
      throw usage('job create', `--approval is auto, human or risk, not "${v.approval}"`);
    body.approval = v.approval;
  }
  return body;
}

/**
 * Dependencies must be jobs this host knows (their creates reach every host), and may not lead
 * back to the new job: a job waiting on itself, even through others, would wait forever.
 */
export function checkDependencies(ctx: Context, job: string, after: readonly string[]): void {
  if (!after.length) return;
  if (!existsSync(ctx.ws.db))
    throw new MamError('UNKNOWN_JOB', `no job registry yet, so no job ${after[0]} to wait for`, {
      hint: 'start the reconciler (`mam up`) and create the jobs this one waits for first',
    });
  const reg = openRegistry(ctx.ws.db, { readonly: true });
  try {
    const cycle = dependencyCycle(job, after, (id) => afterOfSpec(reg.getJob(id)?.spec));
    if (cycle)
      throw new MamError('DEPENDENCY_CYCLE', `job ${job} would wait for itself: ${cycle.join(' → ')}`, {
        hint: 'a job can wait only for jobs that do not wait for it',
      });
    const unknown = after.filter((d) => !reg.getJob(d));
    if (unknown.length) {
      throw new MamError('UNKNOWN_JOB', `--after ${unknown.join(',')}: no such job in this host's registry`, {
        hint: '`mam jobs` lists the jobs this host knows; create the dependency first',
      });
    }
  } finally {
    reg.close();
  }
}
