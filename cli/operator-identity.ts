import { existsSync } from 'node:fs';
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
    offlineGen: () => registryGen(ctx.ws.db, job),
    // Without a registry this host has never run a reconciler and cannot tell: the event goes out.
    knownJob: async () => !existsSync(ctx.ws.db) || (await registryGen(ctx.ws.db, job)) !== undefined,
  };
}

/**
 * The job's generation in this host's registry: what an operator's event is
 * stamped with when the broker, whose retained state would say it, is down.
 * Loaded only then: a `mam emit` that reaches the broker never opens SQLite.
 */
async function registryGen(db: string, job: string): Promise<number | undefined> {
  if (!existsSync(db)) return undefined;
  const { openRegistry } = await import('../subscriber/registry/registry.js');
  const reg = openRegistry(db, { readonly: true });
  try {
    return reg.getJob(job)?.gen;
  } finally {
    reg.close();
  }
}
