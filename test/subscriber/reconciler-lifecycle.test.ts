import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEnvelope } from '../../core/envelope.js';
import { topics } from '../../core/topics.js';
import {
  count,
  exactlyOnce,
  killReconcilers,
  planStream,
  publishAll,
  seedJobs,
  spawnReconciler,
  startMesh,
  waitUntil,
  type Mesh,
  type StreamPlan,
} from '../helpers/reconciler.js';
import { subscribeAll } from '../helpers/mesh.js';
import { withRegistryFile } from '../helpers/registry-file.js';

let m: Mesh;
beforeEach(async () => {
  m = await startMesh();
});
afterEach(async () => {
  await killReconcilers();
  await m?.close();
});

const streamed = () => count(m, "SELECT COUNT(*) AS n FROM events WHERE sender LIKE 'e%'");

describe('kill -9 of the reconciler in the middle of a stream', () => {
  it('commits each of 10,000 events from 10 concurrent emitters exactly once after a restart', async () => {
    const plan: StreamPlan = { jobs: ['K0', 'K1', 'K2', 'K3', 'K4'], emitters: 10, perEmitter: 1000 };
    let rec = await spawnReconciler(m);
    const seeder = await m.connect();
    await seedJobs(m, seeder, plan.jobs);
    const streams = planStream(m, plan);
    const emitters = await Promise.all(streams.map(() => m.connect()));

    // The broker acknowledges publishes as soon as it holds them for the reconciler's persistent session.
    const publishing = Promise.all(streams.map((s, i) => publishAll(emitters[i], s)));
    await waitUntil(streamed, 500, 'the first committed events', 30_000);
    await rec.stop('SIGKILL');
    const atKill = streamed();
    expect(atKill, 'the kill must land in the middle of the stream').toBeGreaterThanOrEqual(1);
    expect(atKill).toBeLessThanOrEqual(9_999);
    await publishing;

    rec = await spawnReconciler(m);
    await waitUntil(streamed, 10_000, 'all 10,000 events committed after the restart', 60_000);
    // Anything still arriving would be a second copy: give a straggler time to show itself.
    await sleep(300);
    expect(streamed()).toBe(10_000);
    expect(count(m, "SELECT COUNT(*) AS n FROM events WHERE sender LIKE 'e%' AND applied = 1")).toBe(10_000);
    expect(count(m, 'SELECT COUNT(*) AS n FROM events'), 'the streamed events and one control.create per job').toBe(
      10_000 + plan.jobs.length,
    );
    expect(exactlyOnce(m, plan)).toEqual([]);
    expect(await rec.stop('SIGTERM')).toBe(0);
  }, 120_000);
});

describe('graceful stop', () => {
  it('exits 0 on SIGTERM mid-stream, loses nothing across the restart and leaves a sound database', async () => {
    // Long enough that a batch or two committed at once never reach its end before the SIGTERM.
    const plan: StreamPlan = { jobs: ['T0', 'T1'], emitters: 4, perEmitter: 2500 };
    const total = plan.emitters * plan.perEmitter;
    let rec = await spawnReconciler(m);
    await seedJobs(m, await m.connect(), plan.jobs);
    const streams = planStream(m, plan);
    const emitters = await Promise.all(streams.map(() => m.connect()));
    // The first half streams before the SIGTERM, the second half while the reconciler closes: the
    // signal lands mid-stream however fast a loaded machine commits (or how seldom it polls).
    const half = plan.perEmitter / 2;
    const first = Promise.all(streams.map((s, i) => publishAll(emitters[i], s.slice(0, half))));
    await waitUntil(streamed, 200, 'the first committed events', 30_000);
    const stopping = rec.stop('SIGTERM');
    await first;
    const publishing = Promise.all(streams.map((s, i) => publishAll(emitters[i], s.slice(half))));
    expect(await stopping, rec.stderr()).toBe(0);
    await publishing;
    expect(streamed(), 'the SIGTERM must land before the end of the stream').toBeLessThan(total);

    rec = await spawnReconciler(m);
    await waitUntil(streamed, total, 'every event committed after the restart', 60_000);
    expect(await rec.stop('SIGTERM'), rec.stderr()).toBe(0);
    expect(streamed()).toBe(total);
    expect(exactlyOnce(m, plan)).toEqual([]);
    expect(withRegistryFile(m.ctx.ws.db, (db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
  }, 90_000);
});

describe('host liveness', () => {
  it('retains online while the reconciler runs and the broker publishes the will (offline) after kill -9', async () => {
    const rec = await spawnReconciler(m);
    const reader = await m.connect('reader');
    const topic = topics.status(m.ns, m.host);
    const seen = (await subscribeAll(reader, [topic])).messages;
    const statuses = () =>
      seen.map(
        (x) =>
          openEnvelope(m.ns, x.topic, x.payload, m.ctx.keyring, 1 << 16).msg.body as { status: string; pid: number },
      );
    await expect.poll(() => statuses().at(-1)?.status, { timeout: 5000 }).toBe('online');
    expect(statuses().at(-1)?.pid).toBe(rec.pid);

    await rec.stop('SIGKILL');
    await expect
      .poll(() => statuses().at(-1)?.status, { timeout: 10_000, message: 'the will (offline) after kill -9' })
      .toBe('offline');

    // Retained: a late subscriber learns the host is offline too.
    const late = await m.connect('reader');
    const again = (await subscribeAll(late, [topic])).messages;
    await expect.poll(() => again.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(
      (openEnvelope(m.ns, topic, again[0].payload, m.ctx.keyring, 1 << 16).msg.body as { status: string }).status,
    ).toBe('offline');
  });
});
