import type { Context } from '../core/context.js';
import type { EmitIdentity } from '../core/emit.js';

/** The operator's signing and broker identity for one job, from the workspace. */
export function operatorIdentity(ctx: Context, job: string, gen?: number): EmitIdentity {
  return {
    ns: ctx.cfg.namespace,
    job,
    sender: `operator@${ctx.cfg.host}`,
    gen,
    keyring: ctx.keyring,
    login: ctx.creds.operator,
    url: ctx.endpoint.url,
    ca: ctx.endpoint.ca,
    jobDir: ctx.ws.jobDir(job),
    maxMessageBytes: ctx.cfg.events.maxMessageBytes,
  };
}
