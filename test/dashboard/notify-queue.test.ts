/**
 * One sink's delivery queue against a local HTTP receiver: at most rateLimitPerMinute attempts a
 * minute (the rest wait, nothing is dropped), and a delivery that keeps failing is given up after
 * its attempts, with every try in the record.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { validateConfig } from '../../core/config.js';
import { silentLogger } from '../../core/logger.js';
import { createDeliveryQueue } from '../../dashboard/server/notify/delivery-queue.js';
import type { Delivery, Notification } from '../../dashboard/server/notify/notification.js';
import { createSinks } from '../../dashboard/server/notify/sinks.js';
import { waitFor } from '../helpers/wait.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const note = (job: string): Notification => ({
  key: `${job}:blocked:1`,
  kind: 'blocked',
  job,
  host: 'h1',
  state: 'blocked',
  reason: 'stuck',
  gen: 1,
  at: Date.now(),
});

function queueFor(url: string, sink: Record<string, unknown>) {
  const cfg = validateConfig({ namespace: 'q', notify: { sinks: [{ webhook: { url }, ...sink }] } }, 'c');
  const [s] = createSinks('/', cfg.notify.sinks);
  const record: Delivery[] = [];
  const settled: string[] = [];
  const q = createDeliveryQueue({
    sink: s!,
    log: silentLogger,
    backoffMs: 50,
    record: (d) => record.push(d),
    settled: (n) => settled.push(n.key),
  });
  return { q, record, settled };
}

describe('delivery queue', () => {
  let ok: Awaited<ReturnType<typeof startReceiver>>;
  let down: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    ok = await startReceiver('whsec_unused');
    down = await startReceiver('whsec_unused', () => 503);
  });
  afterAll(async () => {
    await Promise.all([ok?.close(), down?.close()]);
  });

  it('sends no more than rateLimitPerMinute in a minute; the rest wait their turn', async () => {
    const { q, settled } = queueFor(ok.url, { rateLimitPerMinute: 2 });
    for (const job of ['a', 'b', 'c']) q.push(note(job));
    await waitFor(() => settled.length === 2, 5000, 'two deliveries');
    await sleep(700);
    expect(ok.got.map((r) => r.json.mam.job)).toEqual(['a', 'b']);
    expect(q.size()).toBe(1);
    await q.close();
  });

  it('gives up after its attempts, each one recorded with its error', async () => {
    const { q, record, settled } = queueFor(down.url, { attempts: 3 });
    q.push(note('x'));
    await waitFor(() => settled.length === 1, 5000, 'the delivery given up');
    expect(down.got).toHaveLength(3);
    expect(record.map((d) => [d.attempt, d.ok, d.error, d.gaveUp])).toEqual([
      [1, false, 'answered HTTP 503', undefined],
      [2, false, 'answered HTTP 503', undefined],
      [3, false, 'answered HTTP 503', true],
    ]);
    expect(q.size()).toBe(0);
    await q.close();
  });
});
