import type { Config } from '../../core/config.js';
import type { JobSpec } from '../launch-session.js';

/** A job's policies: its own (signed in its create) first, then its agent's config, then the workspace's. */
export type JobPolicy = Config['policies'] & { priority: number; after: string[]; afterAny: boolean };

export const PRIORITY_NAMES = { low: 2, normal: 5, high: 7, urgent: 9 } as const;
export const DEFAULT_PRIORITY = PRIORITY_NAMES.normal;

export function jobPolicy(spec: JobSpec, cfg: Config): JobPolicy {
  const p = cfg.policies;
  const backoffMinMs = spec.backoffMinMs ?? p.backoffMinMs;
  return {
    priority: spec.priority ?? DEFAULT_PRIORITY,
    after: spec.after ?? [],
    afterAny: spec.afterAny ?? false,
    gate: spec.gate ?? cfg.agents[spec.agent]?.gate ?? p.gate,
    gateAttempts: spec.gateAttempts ?? p.gateAttempts,
    gateTimeoutMs: spec.gateTimeoutMs ?? p.gateTimeoutMs,
    retries: spec.retries ?? p.retries,
    backoffMinMs,
    backoffMaxMs: Math.max(backoffMinMs, spec.backoffMaxMs ?? p.backoffMaxMs),
    approval: spec.approval ?? p.approval,
  };
}

/**
 * The wait before retry `attempt` (1, 2, …): exponential from backoffMinMs, capped at backoffMaxMs,
 * with "full jitter" on its upper half so retries of many jobs failing together spread out.
 */
export function backoffMs(
  policy: Pick<JobPolicy, 'backoffMinMs' | 'backoffMaxMs'>,
  attempt: number,
  random = Math.random,
): number {
  const ceiling = Math.min(policy.backoffMaxMs, policy.backoffMinMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
