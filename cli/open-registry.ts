import { existsSync } from 'node:fs';
import { MamError } from '../core/errors.js';
import { loadConfig } from '../core/config.js';
import type { Context } from '../core/context.js';
import { openWorkspace } from '../core/workspace.js';
import { openRegistry, type Registry } from '../subscriber/registry/registry.js';
import type { Io } from './io.js';

/** The host registry opened read-only: readers never block the reconciler (WAL). */
export function openRegistryReadOnly(io: Io): Registry {
  const ws = openWorkspace(io.cwd, io.env);
  if (!existsSync(ws.db)) {
    throw new MamError('REGISTRY_MISSING', `no job registry yet at ${ws.db}`, {
      hint: 'start the reconciler (`mam up`); it creates the registry',
    });
  }
  return openRegistry(ws.db, { readonly: true });
}

/** Runs `fn` on the host registry opened read-only, or returns `none` when no reconciler has created it yet. */
export function readRegistryIfAny<T>(ctx: Context, none: T, fn: (reg: Registry) => T): T {
  if (!existsSync(ctx.ws.db)) return none;
  const reg = openRegistry(ctx.ws.db, { readonly: true });
  try {
    return fn(reg);
  } finally {
    reg.close();
  }
}

/** The one not-found error for a job id (exit 4), whichever command looked it up. */
export function noSuchJob(job: string): MamError {
  return new MamError('UNKNOWN_JOB', `no job "${job}" in this host's registry`, {
    hint: '`mam jobs` lists the jobs this host knows',
  });
}

export function ago(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/** The queue's aging period (scheduler.agingSeconds), for the positions the CLI shows. */
export function agingMs(io: Io): number {
  return loadConfig(openWorkspace(io.cwd, io.env), io.env).scheduler.agingSeconds * 1000;
}
