import { errorData, type Logger } from '../../../core/logger.js';
import type { Delivery, Notification } from './notification.js';
import type { Sink } from './sinks.js';

interface Item {
  n: Notification;
  attempt: number;
  /** not tried again before this (ms): its backoff */
  due: number;
}

export interface QueueDeps {
  sink: Sink;
  log: Logger;
  /** the first retry's wait; each next one doubles it, up to BACKOFF_MAX_MS */
  backoffMs: number;
  /** every attempt, as recent() lists it */
  record(d: Delivery): void;
  /** the notification is done with for this sink: delivered, or given up */
  settled(n: Notification): void;
}

const BACKOFF_MAX_MS = 5 * 60_000;
const WINDOW_MS = 60_000;

/**
 * One sink's deliveries, one at a time in the order they came: at most rateLimitPerMinute
 * attempts in any minute (the rest wait their turn), a failed attempt tried again after an
 * exponential backoff while later ones go ahead, and given up after `attempts`. Pushing never
 * waits: nothing that finds a notification is held up by a slow or failing receiver.
 */
export function createDeliveryQueue(d: QueueDeps) {
  const { sink, log } = d;
  const items: Item[] = [];
  const starts: number[] = [];
  const stop = new AbortController();
  let wake: (() => void) | undefined;
  let closed = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => done(), ms) : undefined;
      const done = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
      wake = done;
    });

  async function attempt(item: Item): Promise<void> {
    item.attempt++;
    const base = { sink: sink.name, key: item.n.key, kind: item.n.kind, job: item.n.job, host: item.n.host };
    try {
      await sink.deliver(item.n, stop.signal);
      d.record({ at: Date.now(), ...base, attempt: item.attempt, ok: true });
      items.splice(items.indexOf(item), 1);
      d.settled(item.n);
    } catch (err) {
      if (closed) return; // kept pending: the next start tries again
      const error = (err as Error).message;
      const gaveUp = item.attempt >= sink.cfg.attempts;
      d.record({ at: Date.now(), ...base, attempt: item.attempt, ok: false, error, ...(gaveUp && { gaveUp }) });
      const data = {
        sink: sink.name,
        kind: item.n.kind,
        job: item.n.job,
        attempt: item.attempt,
        error: errorData(err),
      };
      if (gaveUp) {
        log.error('notification given up', data);
        items.splice(items.indexOf(item), 1);
        d.settled(item.n);
      } else {
        log.warn('notification failed; will try again', data);
        item.due = Date.now() + Math.min(d.backoffMs * 2 ** (item.attempt - 1), BACKOFF_MAX_MS);
      }
    }
  }

  async function run(): Promise<void> {
    while (!closed) {
      const now = Date.now();
      while (starts.length && starts[0]! <= now - WINDOW_MS) starts.shift();
      const item = items.find((i) => i.due <= now);
      if (!item) {
        await sleep(items.length ? Math.min(...items.map((i) => i.due)) - now : Number.POSITIVE_INFINITY);
      } else if (starts.length >= sink.cfg.rateLimitPerMinute) {
        await sleep(starts[0]! + WINDOW_MS - now);
      } else {
        starts.push(now);
        await attempt(item);
      }
    }
  }
  const running = run().catch((err) =>
    log.error('notification queue stopped', { sink: sink.name, error: errorData(err) }),
  );

  return {
    push(n: Notification): void {
      if (closed) return;
      items.push({ n, attempt: 0, due: 0 });
      wake?.();
    },
    /** Deliveries waiting (a retry's backoff, the rate limit) or under way. */
    size: () => items.length,
    /** Stops: an attempt under way is aborted; what was not delivered stays pending for the next start. */
    async close(): Promise<void> {
      closed = true;
      stop.abort();
      wake?.();
      await running;
    },
  };
}
