import { join } from 'node:path';
import { prefix } from '../core/topics.js';
import { closeEmitters, connectEmitters, publishPipelined, rawPayload } from './publish-load.js';
import { spawnNode, type Child, type Mesh } from './setup.js';
import { ratePerSecond } from './stats.js';

const RAW_SUBSCRIBER = join(import.meta.dirname, 'raw-subscriber.js');

/**
 * Unsigned QoS 1 publish → subscribe through the same broker: the same
 * emitters and payload size as the signed run, a subscriber process that
 * only counts. Runs before any reconciler exists, so nothing else consumes
 * the messages and no reconciler session queues them.
 */
export async function rawPublishSubscribe(
  mesh: Mesh,
  opts: { jobs: string[]; perEmitter: number; window: number; size: number },
): Promise<{ rate: number; ms: number; brokerCpuMs: number; subscriberCpuMs: number; emittersCpuMs: number }> {
  const { ws, ctx, broker } = mesh;
  const total = opts.jobs.length * opts.perEmitter;
  let sub: Child | undefined;
  const emitters = await connectEmitters(mesh, opts.jobs, opts.window);
  try {
    sub = (
      await spawnNode('raw-subscriber', [RAW_SUBSCRIBER], {
        env: {
          ...ws.env,
          BENCH_RAW_SUBSCRIBER: JSON.stringify({
            url: ctx.endpoint.url,
            caFile: ctx.ws.caCert,
            ...ctx.creds.reader,
            filter: `${prefix(ctx.cfg.namespace)}/jobs/+/events`,
            expect: total,
            timeoutMs: 120_000,
          }),
        },
        cwd: ws.root,
        logFile: ws.log('raw-subscriber'),
        ready: (l) => l === 'ready',
      })
    ).child;
    const brokerCpu0 = broker.cpuMs() ?? 0;
    const emittersCpu0 = process.cpuUsage();
    const t0 = Date.now();
    await Promise.all(
      emitters.map((e) => publishPipelined(e, opts.perEmitter, opts.window, () => rawPayload(opts.size))),
    );
    const line = await sub.waitForLine((l) => l.startsWith('{'), 130_000);
    const brokerCpuMs = (broker.cpuMs() ?? 0) - brokerCpu0;
    const emittersCpu = process.cpuUsage(emittersCpu0);
    const r = JSON.parse(line) as { count: number; doneAt: number | null; cpuMs: number };
    if (r.doneAt === null) throw new Error(`raw subscriber received ${r.count} of ${total} messages`);
    return {
      rate: ratePerSecond(total, r.doneAt - t0),
      ms: r.doneAt - t0,
      brokerCpuMs,
      subscriberCpuMs: r.cpuMs,
      emittersCpuMs: (emittersCpu.user + emittersCpu.system) / 1000,
    };
  } finally {
    await closeEmitters(emitters);
    await sub?.stop();
  }
}
