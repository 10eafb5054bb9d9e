import { loadContext } from '../../core/context.js';
import { migrateSharedReconcilerLogin } from '../../core/own-host-login.js';
import { createLogger } from '../../core/logger.js';
import { createHostDaemon } from '../../subscriber/host-daemon.js';
import { parseFlags } from '../args.js';
import type { Io } from '../io.js';

export async function run(argv: string[], io: Io): Promise<number> {
  // --subscribe is the historical spelling of the same thing: one wildcard subscriber per host.
  const { values } = parseFlags('reconcile', argv, { subscribe: { type: 'boolean' }, host: { type: 'string' } }, false);
  let ctx = loadContext(io.cwd, io.env, { host: values.host });
  // Its own embedded broker refuses the shared `reconciler` login of workspaces made before per-host logins.
  const embedded = !ctx.cfg.broker.url && !ctx.cfg.broker.urls;
  if (embedded && !ctx.joined && migrateSharedReconcilerLogin(ctx.ws, ctx.cfg.host))
    ctx = loadContext(io.cwd, io.env, { host: values.host });
  const log = createLogger({ component: 'reconciler', write: (l) => io.err(l + '\n') });
  const daemon = await createHostDaemon(ctx, log, io.env);
  io.out(`reconciler for host ${ctx.cfg.host} running (namespace ${ctx.cfg.namespace}, registry ${ctx.ws.db})\n`);
  const signalled = new Promise<undefined>((resolve) =>
    io.signal.addEventListener('abort', () => resolve(undefined), { once: true }),
  );
  // A registry deleted or replaced under the reconciler ends it too, non-zero, with what to do.
  const failure = await Promise.race([signalled, daemon.reconciler.failed]);
  if (!failure) log.info('shutting down', { signal: String(io.signal.reason) });
  await daemon.close();
  if (failure) throw failure;
  return 0;
}
