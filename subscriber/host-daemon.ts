import type { Context } from '../core/context.js';
import type { Logger } from '../core/logger.js';
import { createReconciler, type Reconciler } from './reconciler.js';
import { createSessionManager } from './session-manager.js';

export interface HostDaemon {
  reconciler: Reconciler;
  close(): Promise<void>;
}

/** Everything one host runs in its reconciler process: the reconciler and, plugged into it, its sessions. */
export async function createHostDaemon(ctx: Context, log: Logger, env: NodeJS.ProcessEnv): Promise<HostDaemon> {
  let sessions: ReturnType<typeof createSessionManager> | undefined;
  const reconciler = await createReconciler(ctx, log.child('reconcile'), (core) => {
    sessions = createSessionManager(ctx, log.child('sessions'), env, core);
    return sessions.hooks;
  });
  return {
    reconciler,
    async close() {
      // A gate still running would hold the reconciler's close for as long as it runs.
      await sessions?.stopGates();
      await reconciler.close();
      // Its runs, launches and CPU, for the queue's benchmark and for a person reading the log.
      if (sessions) log.info('scheduler stats', sessions.scheduler.stats);
      // pty sessions belong to this process; tmux sessions outlive it by design.
      await sessions?.close();
    },
  };
}
