import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectClient, type MeshClient } from '../broker/client.js';
import type { Context } from '../core/context.js';
import { agentLogin } from '../core/credentials.js';
import { sealEnvelope } from '../core/envelope.js';
import { topics } from '../core/topics.js';
import type { Mesh } from './setup.js';

/** One publishing connection: a job's agent login, publishing on that job's events topic. */
export interface Emitter {
  job: string;
  topic: string;
  client: MeshClient;
  /** closes the connection once, however often it is called */
  close(): Promise<void>;
}

/** Connects one emitter per job, each allowed `window` publishes awaiting PUBACK; they close with the mesh. */
export async function connectEmitters(mesh: Mesh, jobs: string[], window: number): Promise<Emitter[]> {
  const { ctx } = mesh;
  return Promise.all(
    jobs.map(async (job) => {
      const client = await connectClient({
        url: ctx.endpoint.url,
        ca: ctx.endpoint.ca,
        ...agentLogin(ctx.creds, job),
        reconnectMs: 0,
        maxInflight: window,
      });
      let closing: Promise<void> | undefined;
      const close = () => (closing ??= client.close().catch(() => undefined));
      mesh.defer(close);
      return { job, topic: topics.events(ctx.cfg.namespace, job), client, close };
    }),
  );
}

export async function closeEmitters(emitters: Emitter[]): Promise<void> {
  await Promise.all(emitters.map((e) => e.close()));
}

/**
 * Publishes `count` QoS 1 messages keeping `window` of them in flight: each
 * lane builds its payload (signing included) only when it sends it, so the
 * cost of building is inside the measured time, message by message.
 */
export async function publishPipelined(
  e: Emitter,
  count: number,
  window: number,
  payload: (i: number) => Buffer,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await e.client.publish(e.topic, payload(i), { qos: 1 });
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
}

/** The signed job.progress an agent sends, carrying its send time (ms) as its message. */
export function signedProgress(ctx: Context, e: Pick<Emitter, 'job' | 'topic'>, seq: number): Buffer {
  const ns = ctx.cfg.namespace;
  const ts = Date.now();
  return sealEnvelope(
    ns,
    e.topic,
    { v: 1, ns, job: e.job, type: 'job.progress', sender: 'agent', gen: 0, seq, ts, body: { message: String(ts) } },
    ctx.keyring,
  );
}

/** Unsigned bytes of a given length carrying the send time: what a bare MQTT publisher sends. */
export function rawPayload(length: number): Buffer {
  const head = `{"t":${Date.now()},"pad":"`;
  return Buffer.from(head + 'x'.repeat(Math.max(0, length - head.length - 2)) + '"}');
}

/**
 * Publishes `count` QoS 1 messages at a steady `perSecond`, without waiting
 * for PUBACKs in between: a load the system can keep up with, so latency is
 * the path's own, not a queue's.
 */
export async function publishPaced(
  e: Emitter,
  count: number,
  perSecond: number,
  payload: (i: number) => Buffer,
): Promise<void> {
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - t0) * perSecond) / 1000) + 1);
    for (; sent < due; sent++) pending.push(e.client.publish(e.topic, payload(sent), { qos: 1 }));
    await sleep(5);
  }
  await Promise.all(pending);
}
