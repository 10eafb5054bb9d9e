import type { EmitIdentity } from '../broker/emitter/emit-identity.js';
import type { Context } from '../core/context.js';
import { operatorIdentity } from '../subscriber/operator-identity.js';
import { readRegistryIfAny } from './open-registry.js';

/**
 * The operator's identity for an event about `job` (a stop, an approval, a verdict): for a job of
 * another host, as this host's registry records it, signed under that host's control key, the one
 * operator key a joined host holds to check it; for this host's own jobs, as before.
 */
export function operatorForJob(ctx: Context, job: string, gen?: number): EmitIdentity {
  const host = readRegistryIfAny(ctx, undefined, (reg) => reg.getJob(job)?.host);
  return operatorIdentity(ctx, job, gen, host && host !== ctx.cfg.host ? host : undefined);
}
