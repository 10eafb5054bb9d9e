import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emitEvent } from '../../broker/emitter/emit-event.js';
import { outboxDir } from '../../broker/emitter/outbox.js';
import { topics } from '../../core/topics.js';
import { operatorIdentity } from '../../subscriber/operator-identity.js';
import type { Reconciler } from '../../subscriber/reconciler.js';
import { count, seedJobs, seqRanges, startMesh, startReconciler, waitUntil, type Mesh } from '../helpers/reconciler.js';

let m: Mesh;
let rec: Reconciler | undefined;
beforeEach(async () => {
  // A fast sweep and short ack waits keep the bounded waits below short; the sweep's grace is still 5 s.
  m = await startMesh({
    reconciler: { sweepIntervalMs: 200 },
    emit: { ackTimeoutMs: 1000 },
    broker: { reconnectMs: 100 },
  });
});
afterEach(async () => {
  await rec?.close();
  rec = undefined;
  await m?.close();
});

const JOBS = ['B0', 'B1'];
// Not 'o…': the jobs are seeded by the sender 'operator'.
const SENDERS = ['x0', 'x1', 'x2', 'x3'];
const jobOf = (i: number) => JOBS[i % JOBS.length];

/** Seqs handed out to a sender (broker/emitter/seq.ts keeps the counter beside the job's lock). */
const allocated = (job: string, sender: string) =>
  Number(readFileSync(join(m.ctx.ws.operatorDir(job), `seq-${sender}`), 'utf8'));
const outboxEntries = () =>
  JOBS.flatMap((j) => {
    try {
      return readdirSync(outboxDir(m.ctx.ws.operatorDir(j)), { recursive: true }).filter((f) =>
        String(f).endsWith('.json'),
      );
    } catch {
      return [];
    }
  });

/**
 * One emitter: `mam emit`'s code path, one event after another. A failure is
 * not retried as the same event: whatever got a seq sits in the outbox, and
 * the outbox, not the emitter, is what must deliver it.
 */
async function emitter(i: number, n: number, stats: { ok: number; queued: number; failed: number }) {
  const job = jobOf(i);
  const id = { ...operatorIdentity(m.ctx, job, 0), sender: SENDERS[i] };
  for (let sent = 0, tries = 0; sent < n && tries < 4 * n; tries++) {
    try {
      const r = await emitEvent(
        id,
        topics.events(m.ns, job),
        'job.progress',
        { message: `${SENDERS[i]} try ${tries}` },
        { wait: true, timeoutMs: 1000 },
      );
      stats[r.committed ? 'ok' : 'queued']++;
      sent++;
    } catch {
      stats.failed++;
      await sleep(100);
    }
  }
}

describe('broker restart in the middle of a stream', () => {
  it('loses nothing: every event that got a seq is committed exactly once and the outboxes end empty', async () => {
    rec = await startReconciler(m);
    await seedJobs(m, await m.connect(), JOBS);
    const stats = { ok: 0, queued: 0, failed: 0 };
    const emitting = Promise.all(SENDERS.map((_, i) => emitter(i, 25, stats)));

    const streamed = () => count(m, "SELECT COUNT(*) AS n FROM events WHERE sender LIKE 'x%'");
    await waitUntil(streamed, 20, 'events committed before the broker restart', 20_000);
    await m.restartBroker(500);
    const atRestart = streamed();
    await emitting;
    // Failed, or kept unsent (the broker was down when they connected): either way they met the outage.
    expect(stats.failed + stats.queued, 'emits ran into the outage').toBeGreaterThan(0);

    const expected = SENDERS.map((s, i) => allocated(jobOf(i), s));
    const total = expected.reduce((a, b) => a + b, 0);
    expect(atRestart, 'the restart must land in the middle of the stream').toBeLessThan(total);
    // Entries stranded by the restart wait out the sweep's 5 s grace, then the reconciler re-sends them.
    await waitUntil(streamed, total, 'every allocated seq committed', 30_000);
    await expect
      .poll(outboxEntries, { timeout: 15_000, message: 'outbox entries left after every commit' })
      .toEqual([]);

    const ranges = seqRanges(m, 'x%');
    expect(ranges.map((r) => [r.job, r.sender, r.n, r.distinctSeqs, r.lo, r.hi])).toEqual(
      SENDERS.map((s, i) => [jobOf(i), s, expected[i], expected[i], 1, expected[i]]).sort((a, b) =>
        `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`),
      ),
    );
    expect(count(m, "SELECT COUNT(*) AS n FROM events WHERE sender LIKE 'x%' AND applied = 0")).toBe(0);
    expect(streamed()).toBe(total);
  }, 90_000);
});
