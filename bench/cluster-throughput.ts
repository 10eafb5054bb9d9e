import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectClient } from '../broker/client.js';
import { agentLogin } from '../core/credentials.js';
import { topics } from '../core/topics.js';
import { openRegistry } from '../subscriber/registry/registry.js';
import { figure, type Benchmark, type BenchOptions, type Figure } from './benchmark.js';
import { publishPipelined, signedProgress, type Emitter } from './publish-load.js';
import { configure, createJobs, MAM_BIN, spawnNode, withMesh, type Mesh } from './setup.js';
import { percentile, ratePerSecond } from './stats.js';

const NAME = 'cluster-throughput';
const WINDOW = 128;
const JOBS = 4;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

/** A private redis-server on a free port; stopped (and its folder removed) with the mesh. */
async function startRedis(mesh: Mesh): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mam-bench-redis-'));
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''], {
    stdio: 'ignore',
  });
  mesh.defer(async () => {
    const exited = new Promise((r) => proc.once('exit', r));
    if (proc.exitCode === null) proc.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  await sleep(300);
  if (proc.exitCode !== null) throw new Error('redis-server did not start (apt-get install redis-server)');
  return `redis://127.0.0.1:${port}`;
}

function countEvents(db: string): number {
  const reg = openRegistry(db, { readonly: true });
  try {
    return reg.countEvents();
  } finally {
    reg.close();
  }
}

async function waitForCount(db: string, target: number, deadlineMs: number): Promise<number> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (countEvents(db) >= target) return Date.now();
    if (Date.now() > until) throw new Error(`registry did not reach ${target} events within ${deadlineMs} ms`);
    await sleep(5);
  }
}

async function emitters(mesh: Mesh, url: string, jobs: string[]): Promise<Emitter[]> {
  const { ctx } = mesh;
  return Promise.all(
    jobs.map(async (job) => {
      const client = await connectClient({
        url,
        ca: ctx.endpoint.ca,
        ...agentLogin(ctx.creds, job),
        reconnectMs: 0,
        maxInflight: WINDOW,
      });
      const close = () => client.close().catch(() => undefined);
      mesh.defer(close);
      return { job, topic: topics.events(ctx.cfg.namespace, job), client, close };
    }),
  );
}

interface Round {
  rate: number;
  /** ms from the SIGKILL of the reconciler's node to the first event committed through another (cluster only) */
  failoverMs?: number;
}

/** One round: `nodes` 0 is the single embedded broker; 2 is a reconciler on node 1, emitters on node 2. */
function round(nodes: 0 | 2, perEmitter: number, opts: BenchOptions, r: number): Promise<Round> {
  const name = `${NAME}-${nodes ? 'cluster' : 'single'}${r}`;
  return withMesh({ name, cpuProfDir: opts.cpuProfDir, config: opts.config }, async (mesh) => {
    const jobs = Array.from({ length: JOBS }, (_, i) => `ct-${i}`);
    let emitUrl = mesh.ctx.endpoint.url;
    const started: Array<{ pid: number }> = [];
    if (nodes) {
      const redis = await startRedis(mesh);
      const urls: string[] = [];
      for (let i = 0; i < nodes; i++) {
        const { child, line } = await spawnNode(
          `${name}-node${i + 1}`,
          [MAM_BIN, 'broker', '--cluster', redis, '--port', '0', '--json'],
          {
            env: mesh.ws.env,
            cwd: mesh.ws.root,
            logFile: mesh.ws.log(`${name}-node${i + 1}`),
            ready: (l) => l.startsWith('{'),
          },
        );
        mesh.defer(() => child.stop());
        started.push(child);
        urls.push(`mqtts://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`);
      }
      configure(mesh.ws, { broker: { urls } });
      mesh.ctx = mesh.ws.context();
      emitUrl = urls[1] as string;
    }
    await mesh.startReconciler('reconciler');
    await createJobs(mesh.ctx, jobs);
    const es = await emitters(mesh, emitUrl, jobs);
    const db = mesh.ctx.ws.db;
    const base = countEvents(db);
    const t0 = Date.now();
    await Promise.all(
      es.map((e) => publishPipelined(e, perEmitter, WINDOW, (i) => signedProgress(mesh.ctx, e, i + 1))),
    );
    const done = await waitForCount(db, base + perEmitter * JOBS, 180_000);
    const result: Round = { rate: ratePerSecond(perEmitter * JOBS, done - t0) };
    if (nodes) {
      // Quiet, then the reconciler's node dies; one event through node 2 right after.
      const before = countEvents(db);
      const killedAt = Date.now();
      process.kill((started[0] as { pid: number }).pid, 'SIGKILL');
      const e = es[0] as Emitter;
      await e.client.publish(e.topic, signedProgress(mesh.ctx, e, perEmitter + 1), { qos: 1 });
      result.failoverMs = (await waitForCount(db, before + 1, 60_000)) - killedAt;
    }
    return result;
  });
}

export const clusterThroughput: Benchmark = {
  name: NAME,
  issue: '#17',
  describe:
    'reconcile-throughput through 2 Aedes cluster nodes on Redis (reconciler on node 1, emitters on node 2) as a ratio of the single embedded broker, and the time from SIGKILL of the reconciler’s node to the first event committed through the other',
  async run(opts): Promise<Figure[]> {
    const perEmitter = (opts.quick ? 2_000 : 10_000) / JOBS;
    const rounds = opts.quick ? 1 : 3;
    const single: number[] = [];
    const cluster: number[] = [];
    const failover: number[] = [];
    for (let r = 0; r < rounds; r++) {
      single.push((await round(0, perEmitter, opts, r)).rate);
      const c = await round(2, perEmitter, opts, r);
      cluster.push(c.rate);
      failover.push(c.failoverMs ?? Number.NaN);
      opts.log(
        `  round ${r + 1}: single ${Math.round(single[r]!)}/s, cluster ${Math.round(c.rate)}/s, failover ${c.failoverMs} ms`,
      );
    }
    const median = (xs: number[]) => percentile(xs, 50);
    const note = (xs: number[], unit: string) =>
      `median of ${xs.length}: ${xs.map((x) => Math.round(x)).join(', ')} ${unit}`;
    return [
      figure(NAME, 'single embedded broker verified+committed', median(single), 'events/s', {
        note: note(single, 'events/s'),
      }),
      figure(NAME, '2 cluster nodes verified+committed', median(cluster), 'events/s', {
        note: note(cluster, 'events/s'),
      }),
      figure(NAME, 'cluster / single', (100 * median(cluster)) / median(single), '%'),
      figure(NAME, 'node killed → first event committed through another', median(failover), 'ms', {
        note: `${note(failover, 'ms')}; broker.reconnectMs default (1000 ms)`,
      }),
    ];
  },
};
