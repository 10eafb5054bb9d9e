import { constants, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EmitIdentity } from '../broker/emitter/emit-identity.js';
import type { Context } from '../core/context.js';

/**
 * The operator's signing and broker identity for one job, from the workspace.
 * It lives beside the registry it reads while the broker is down: the emitter
 * (broker/emitter/), which the reconciler itself uses, may not import it.
 */
export function operatorIdentity(ctx: Context, job: string, gen?: number, host?: string): EmitIdentity {
  const sender = `operator@${ctx.cfg.host}`;
  adoptLegacyCounter(ctx.ws.jobDir(job), ctx.ws.operatorDir(job), sender);
  return {
    ns: ctx.cfg.namespace,
    job,
    sender,
    gen,
    keyring: ctx.keyring,
    ...(host ? { hostOf: () => host } : {}),
    login: ctx.creds.operator,
    url: ctx.endpoint.url,
    ca: ctx.endpoint.ca,
    // Not the job's folder, which the job's agent may write: its own, hidden from the sandbox.
    jobDir: ctx.ws.operatorDir(job),
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
  const { openRegistry } = await import('./registry/registry.js');
  const reg = openRegistry(db, { readonly: true });
  try {
    return reg.getJob(job)?.gen;
  } finally {
    reg.close();
  }
}

/**
 * A workspace whose operator counted its seqs in the job's folder (before the operator's folder
 * existed) continues from that count: starting again at 1 would make the reconciler take the next
 * events for duplicates of ones it already has.
 */
function adoptLegacyCounter(jobDir: string, operatorDir: string, sender: string): void {
  const legacy = join(jobDir, `seq-${sender}`);
  const current = join(operatorDir, `seq-${sender}`);
  if (existsSync(current) || !existsSync(legacy)) return;
  mkdirSync(operatorDir, { recursive: true, mode: 0o700 });
  try {
    // Exclusive: a concurrent emit that adopted it first may already have counted on from it.
    copyFileSync(legacy, current, constants.COPYFILE_EXCL);
  } catch {
    // adopted by that emit
  }
}
