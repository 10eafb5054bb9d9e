import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topics } from '../../core/topics.js';
import type { Reconciler } from '../../subscriber/reconciler.js';
import { openRegistry } from '../../subscriber/registry/registry.js';
import { eventually } from '../helpers/mesh.js';
import { startMesh, startReconciler, type Mesh } from '../helpers/reconciler.js';

const LIVE = ['L0', 'L1', 'L2'];
const ENDED = Array.from({ length: 250 }, (_, i) => `E${i}`);

let m: Mesh;
let rec: Reconciler | undefined;
beforeEach(async () => {
  m = await startMesh({ broker: { reconnectMs: 100 } });
  // Jobs of this host as a registry holds them after a day's work: a few live, many ended recently.
  const reg = openRegistry(m.ctx.ws.db);
  for (const id of LIVE) reg.createJob({ id, state: 'running', host: m.ctx.cfg.host, agent: 'command' });
  for (const id of ENDED) reg.createJob({ id, state: 'done', host: m.ctx.cfg.host, agent: 'command' });
  reg.close();
});
afterEach(async () => {
  await rec?.close();
  rec = undefined;
  await m?.close();
});

/**
 * Job ids whose state snapshot was published while following (not a retained copy replayed at
 * subscribe), or, with `retainedToo`, every snapshot the broker holds or gets.
 */
async function followStates(retainedToo = false) {
  const reader = await m.connect('reader');
  const seen = new Set<string>();
  reader.mqtt.on('message', (topic, _payload, packet) => {
    if (retainedToo || !packet.retain) seen.add(topic.split('/')[4]!);
  });
  await reader.mqtt.subscribeAsync(topics.state(m.ns, '+'), { qos: 1 });
  return seen;
}

describe('state announcements at connect', () => {
  it('announce every job that can take an event when the broker lost its state, only the live ones when it kept it', async () => {
    const seen = await followStates();
    // First connect: the broker has no session of this reconciler, so it may hold no snapshot either.
    rec = await startReconciler(m);
    await eventually(() => expect(rec!.stats.announces).toBe(1));
    expect(rec.stats.announced).toBe(LIVE.length + ENDED.length);
    await eventually(() => expect(seen.size).toBe(LIVE.length + ENDED.length));

    // A reconciler restart against the same broker: its session, and every retained snapshot, are still there.
    await rec.close();
    seen.clear();
    rec = await startReconciler(m);
    await eventually(() => expect(rec!.stats.announces).toBe(1));
    expect(rec.stats.announced).toBe(LIVE.length);
    await eventually(() => expect([...seen].sort()).toEqual(LIVE));

    // A broker restart loses them: the reconnect announces the ended jobs again. Whatever the
    // restarted broker holds, retained or arriving, the reconciler has published since.
    const before = rec.stats.announces;
    await m.restartBroker(200);
    const reader = await followStates(true);
    await eventually(() => expect(rec!.stats.announces).toBeGreaterThan(before));
    expect(rec.stats.announced).toBe(LIVE.length + ENDED.length);
    await eventually(() => expect(reader.size).toBe(LIVE.length + ENDED.length));
  });
});
