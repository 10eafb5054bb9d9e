import type { Context } from '../core/context.js';
import type { Logger } from '../core/logger.js';
import { createReconciler, type Reconciler } from './reconciler.js';

export interface HostDaemon {
  reconciler: Reconciler;
  close(): Promise<void>;
}

/** Everything one host runs in its reconciler process: the reconciler and, plugged into it, session management. */
export async function createHostDaemon(ctx: Context, log: Logger): Promise<HostDaemon> {
  const reconciler = await createReconciler(ctx, log.child('reconcile'));
  return {
    reconciler,
    close: () => reconciler.close(),
  };
}
