/**
 * Scaffolding the reconciler suites share: a workspace with its real broker,
 * the reconciler in-process (createReconciler) or as a real `mam reconcile`
 * child, signed messages, seeded jobs and looks into the registry's rows.
 */
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MeshClient } from '../../broker/client.js';
import type { Context } from '../../core/context.js';
import { sealEnvelope } from '../../core/envelope.js';
import { silentLogger } from '../../core/logger.js';
import { topics } from '../../core/topics.js';
import { createReconciler, type Reconciler } from '../../subscriber/reconciler.js';
import { waitFor } from './wait.js';
import { connectAs, type Who } from './mesh.js';
import { withRegistryFile } from './registry-file.js';
import { makeWorkspace, readRegistry, runMam, startBroker, type TestWorkspace } from './workspace.js';

export interface Mesh {
  tw: TestWorkspace;
  ctx: Context;
  ns: string;
  host: string;
  broker: Awaited<ReturnType<typeof startBroker>>;
  /** Stops the broker and starts a fresh one on the same port: its in-memory sessions are gone. */
  restartBroker(downMs?: number): Promise<void>;
  connect(who?: Who): Promise<MeshClient>;
  close(): Promise<void>;
}

/** A fresh workspace (config patched before anything reads it) with its embedded broker on port 0. */
export async function startMesh(config: Record<string, unknown> = {}): Promise<Mesh> {
  const tw = await makeWorkspace({ namespace: 'rec' });
  // A private tmux socket: the host daemon's drift sweep must never see anyone else's sessions.
  tw.patchConfig({ sessions: { tmuxSocket: `test-${basename(tw.root).replace(/[^A-Za-z0-9_-]/g, '')}` }, ...config });
  const clients: MeshClient[] = [];
  const m: Mesh = {
    tw,
    ctx: tw.context(),
    ns: 'rec',
    host: 'testhost',
    broker: await startBroker(tw),
    async restartBroker(downMs = 300) {
      const port = m.broker.port;
      await m.broker.close();
      await sleep(downMs);
      m.broker = await startBroker(tw, { port });
    },
    async connect(who = 'operator') {
      const c = await connectAs(m.ctx, m.broker.url, who);
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
      await m.broker.close();
      tw.cleanup();
    },
  };
  // Reloaded now that the broker has recorded its port: the context's endpoint points at it.
  m.ctx = tw.context();
  return m;
}

/** The reconciler in this process, through the same factory `mam reconcile` uses (no session hooks). */
export function startReconciler(m: Mesh): Promise<Reconciler> {
  return createReconciler(m.tw.context(), silentLogger);
}

export interface ReconcilerChild {
  pid: number;
  stderr(): string;
  /** Resolves with the exit code once the process ends on its own (or by stop). */
  exited: Promise<number | undefined>;
  /** Sends `signal` and resolves with the exit code (undefined when a signal ended it). */
  stop(signal?: NodeJS.Signals): Promise<number | undefined>;
}

const children = new Set<ReturnType<typeof runMam>>();

/** A real `mam reconcile` process of the workspace, resolved once it says it is running (subscribed). */
export async function spawnReconciler(m: Mesh): Promise<ReconcilerChild> {
  const proc = runMam(m.tw, ['reconcile'], { timeout: 0, buffer: false });
  children.add(proc);
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8000)));
  let exited = false;
  const done = proc.then((r) => {
    exited = true;
    children.delete(proc);
    return r;
  });
  await waitFor(() => exited || out.includes('running'), 20_000, '`mam reconcile` to start').catch((e: Error) => {
    throw new Error(`${e.message}; stderr:\n${err}`);
  });
  if (exited) throw new Error(`\`mam reconcile\` exited at start (${(await done).exitCode}); stderr:\n${err}`);
  return {
    pid: proc.pid!,
    stderr: () => err,
    exited: done.then((r) => r.exitCode),
    async stop(signal = 'SIGTERM') {
      proc.kill(signal);
      const r = await done;
      return r.exitCode;
    },
  };
}

/** SIGKILLs every child reconciler a test left running. */
export async function killReconcilers(): Promise<void> {
  await Promise.all([...children].map((p) => (p.kill('SIGKILL'), p.then(() => undefined))));
}

export interface EventSpec {
  job: string;
  seq: number;
  sender?: string;
  type?: string;
  gen?: number;
  ts?: number;
  body?: object;
  /** defaults to the job's events topic */
  topic?: string;
  ns?: string;
}

/** One envelope signed with the workspace keys, as an agent or the CLI would send it. */
export function sealEvent(m: Mesh, e: EventSpec): { topic: string; payload: Buffer } {
  const topic = e.topic ?? topics.events(m.ns, e.job);
  const msg = {
    v: 1 as const,
    ns: e.ns ?? m.ns,
    job: e.job,
    type: e.type ?? 'job.progress',
    sender: e.sender ?? 'agent',
    gen: e.gen ?? 0,
    seq: e.seq,
    ts: e.ts ?? Date.now(),
    body: e.body ?? {},
  };
  return { topic, payload: sealEnvelope(m.ns, topic, msg, m.ctx.keyring) };
}

/** The signed control.create of a job its agent starts elsewhere (launch: false → 'starting'), on `host`. */
export function sealCreate(m: Mesh, job: string, host = m.host): { topic: string; payload: Buffer } {
  return sealEvent(m, {
    job,
    seq: 1,
    sender: 'operator',
    type: 'control.create',
    topic: topics.control(m.ns, host),
    body: { agent: 'command', launch: false },
  });
}

/** Publishes every message QoS 1, pipelined up to the client's in-flight limit; resolves on the last PUBACK. */
export async function publishAll(c: MeshClient, messages: Array<{ topic: string; payload: Buffer }>): Promise<void> {
  await Promise.all(messages.map((x) => c.publish(x.topic, x.payload, { qos: 1 })));
}

/** Creates the jobs through the running reconciler and waits until its registry holds them. */
export async function seedJobs(m: Mesh, c: MeshClient, ids: string[]): Promise<void> {
  await publishAll(
    c,
    ids.map((id) => sealCreate(m, id)),
  );
  await waitUntil(
    () => readRegistry(m.ctx.ws.db, (reg) => ids.filter((id) => reg.getJob(id)).length),
    ids.length,
    'seeded jobs in the registry',
  );
}

/** The `n` of the first row `sql` selects from the registry's raw rows. */
export function count(m: Mesh, sql: string, ...params: unknown[]): number {
  return withRegistryFile(m.ctx.ws.db, (db) => (db.prepare(sql).get(...params) as { n: number }).n);
}

/** Waits until `read` reaches `target`; the failure says how far it got. */
export async function waitUntil(read: () => number, target: number, what: string, timeoutMs = 15_000): Promise<void> {
  let last = -1;
  await waitFor(() => (last = read()) >= target, timeoutMs, what).catch(() => {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: reached ${last} of ${target}`);
  });
}

/** Per (job, sender): how many events, how many distinct seqs, the lowest and highest. */
export function seqRanges(m: Mesh, senderLike: string) {
  return withRegistryFile(
    m.ctx.ws.db,
    (db) =>
      db
        .prepare(
          'SELECT job, sender, COUNT(*) AS n, COUNT(DISTINCT seq) AS distinctSeqs, MIN(seq) AS lo, MAX(seq) AS hi FROM events WHERE sender LIKE ? GROUP BY job, sender ORDER BY job, sender',
        )
        .all(senderLike) as Array<{
        job: string;
        sender: string;
        n: number;
        distinctSeqs: number;
        lo: number;
        hi: number;
      }>,
  );
}

export interface StreamPlan {
  jobs: string[];
  /** emitter i sends as e<i> on jobs[i % jobs.length] */
  emitters: number;
  perEmitter: number;
}

/** Every event of a stream plan, signed up front, one list per emitter in seq order. */
export function planStream(m: Mesh, p: StreamPlan) {
  return Array.from({ length: p.emitters }, (_, i) =>
    Array.from({ length: p.perEmitter }, (_, k) =>
      sealEvent(m, {
        job: p.jobs[i % p.jobs.length],
        sender: `e${i}`,
        seq: k + 1,
        body: { message: `e${i} step ${k + 1}` },
      }),
    ),
  );
}

/** Asserts-by-throwing that each emitter's events are committed exactly once: seqs 1..perEmitter, no gaps. */
export function exactlyOnce(m: Mesh, p: StreamPlan): string[] {
  const problems: string[] = [];
  const ranges = seqRanges(m, 'e%');
  for (let i = 0; i < p.emitters; i++) {
    const r = ranges.find((x) => x.sender === `e${i}`);
    const job = p.jobs[i % p.jobs.length];
    if (
      !r ||
      r.job !== job ||
      r.n !== p.perEmitter ||
      r.distinctSeqs !== p.perEmitter ||
      r.lo !== 1 ||
      r.hi !== p.perEmitter
    ) {
      problems.push(`e${i} on ${job}: ${JSON.stringify(r ?? 'no events')}`);
    }
  }
  return problems;
}
