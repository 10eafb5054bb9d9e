import { join } from 'node:path';
import type { Context } from '../../../core/context.js';
import { errorData, type Logger } from '../../../core/logger.js';
import type { Registry } from '../../../subscriber/registry/registry.js';
import { createDeliveryQueue } from './delivery-queue.js';
import { cursorNow, readChanges } from './detect.js';
import { watchHosts } from './host-watch.js';
import type { Delivery, Notification } from './notification.js';
import { loadNotifyState, type NotifyState, saveNotifyState } from './notify-state.js';
import { createSinks } from './sinks.js';

export interface NotifierDeps {
  ctx: Context;
  /** the registry, opened read-only */
  reg: () => Registry;
  log: Logger;
  /** the dashboard page of a job; by default notify.dashboardUrl + /jobs/<job> */
  link?: (job: string) => string | undefined;
  /** between reads of the registry (default 500 ms) */
  tickMs?: number;
  /** the first retry's wait, doubled for each next one (default 2000 ms) */
  backoffMs?: number;
}

const RECENT_MAX = 100;

/**
 * The dashboard daemon's notifier (docs/DASHBOARD.md, "Notifications"): follows the registry
 * (committed events, escalations, job states) and the hosts' status on the broker, and tells each
 * configured sink what it asked for, once per job, kind and generation. The cursor, what was told
 * and what is still to deliver are kept in .mam/dashboard/notify-state.json (0600), so a restart
 * neither tells again nor forgets. Throws at creation on a sink it cannot use (a webhook secret
 * missing or readable by others).
 */
export function createNotifier(d: NotifierDeps) {
  const log = d.log.child('notify');
  const cfg = d.ctx.cfg.notify;
  const sinks = createSinks(d.ctx.ws.root, cfg.sinks);
  const path = join(d.ctx.ws.dir, 'dashboard', 'notify-state.json');
  const recent: Delivery[] = [];
  const base = cfg.dashboardUrl?.replace(/\/+$/, '');
  let state: NotifyState | undefined;
  let firstStart = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const save = () => {
    try {
      if (state) saveNotifyState(path, state);
    } catch (err) {
      log.error('notifier state not saved', { error: errorData(err) });
    }
  };
  const settled = (sink: string, n: Notification) => {
    if (!state) return;
    state.pending = state.pending.filter((p) => !(p.sink === sink && p.n.key === n.key));
    save();
  };
  const queues = new Map(
    sinks.map((sink) => [
      sink.name,
      createDeliveryQueue({
        sink,
        log,
        backoffMs: d.backoffMs ?? 2000,
        record: (x) => void (recent.push(x) > RECENT_MAX && recent.shift()),
        settled: (n) => settled(sink.name, n),
      }),
    ]),
  );

  const linkOf = (job: string | undefined): string | undefined =>
    (job ? d.link?.(job) : undefined) ?? (base && job ? `${base}/jobs/${encodeURIComponent(job)}` : base);

  /** A fact found: told to every sink that wants its kind, unless its key was told already. */
  function accept(found: Omit<Notification, 'link'>, tell = true): boolean {
    if (!state || state.seen[found.key] !== undefined) return false;
    state.seen[found.key] = Date.now();
    if (!tell) return true;
    const link = linkOf(found.job);
    const n: Notification = { ...found, ...(link ? { link } : {}) };
    for (const sink of sinks) {
      if (!sink.cfg.events.includes(n.kind)) continue;
      state.pending.push({ sink: sink.name, n });
      queues.get(sink.name)!.push(n);
    }
    return true;
  }

  function tick(): void {
    if (!state) return;
    const before = JSON.stringify(state.cursor);
    let told = false;
    try {
      for (const found of readChanges(d.reg(), state.cursor)) told = accept(found) || told;
    } catch (err) {
      log.warn('notifier could not read the registry', { error: errorData(err) });
    }
    if (told || JSON.stringify(state.cursor) !== before) save();
  }

  // On a first start, the offline hosts the broker kept from before are history, not news.
  const hosts = watchHosts(d.ctx, log, (n, retained) => {
    if (accept(n, !(firstStart && retained))) save();
  });

  return {
    /** Loads the saved state (or starts from the registry as it is), resends what was pending, and follows. */
    async start(): Promise<void> {
      if (state || closed) return;
      const saved = loadNotifyState(path, log);
      firstStart = !saved;
      state = saved ?? { v: 1, cursor: cursorNow(d.reg()), seen: {}, pending: [] };
      state.pending = state.pending.filter((p) => queues.has(p.sink));
      for (const p of state.pending) queues.get(p.sink)!.push(p.n);
      save();
      timer = setInterval(tick, d.tickMs ?? 500);
      tick();
      await hosts.start();
    },
    /** The last 100 delivery attempts, newest first, each ok or with its error. */
    recent: (): Delivery[] => recent.slice().reverse(),
    /** Deliveries not done yet, over every sink. */
    pending: (): number => state?.pending.length ?? 0,
    /** The configured sinks by name, with the kinds each wants. */
    sinks: () => sinks.map((s) => ({ name: s.name, events: [...s.cfg.events] })),
    /** Stops following and delivering; what is undelivered stays saved for the next start. Idempotent. */
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await hosts.close();
      await Promise.all([...queues.values()].map((q) => q.close()));
      save();
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
