import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { connectClient } from '../broker/client.js';
import { emitEvent } from '../broker/emitter/emit-event.js';
import type { Context } from '../core/context.js';
import { sealEnvelope } from '../core/envelope.js';
import { topics } from '../core/topics.js';
import { operatorIdentity } from '../subscriber/operator-identity.js';
import { openRegistry, type Registry } from '../subscriber/registry/registry.js';
import { figure, type Benchmark, type Figure } from './benchmark.js';
import { configure, withMesh, type BenchWorkspace, type ConfigPatch, type Mesh } from './setup.js';
import { median, percentile } from './stats.js';

const NAME = 'termination-latency';
const STREAM_EVERY_MS = 100;

/**
 * Writes its artifact, then waits idle, as an agent CLI sits at its prompt once
 * it has finished: only mam's verified termination ends it. Its done is sent by
 * the benchmark (signed with the job's key, exactly as its `mam emit` would),
 * so the figure is mam's part alone, not a node process starting on a busy host.
 */
const IDLE_AGENT = 'echo ok > out.txt\nexec sleep 600\n';

/**
 * Creates jobs the way `mam job create` does (a signed control.create the host
 * launches), each running `script` with sh in a workdir of its own; `wave` at a time.
 */
export async function createLaunchedJobs(
  ws: BenchWorkspace,
  ctx: Context,
  ids: string[],
  o: { backend: 'tmux' | 'pty'; script: string; expect?: string[]; wave?: number },
): Promise<void> {
  const topic = topics.control(ctx.cfg.namespace, ctx.cfg.host);
  const wave = o.wave ?? 25;
  for (let i = 0; i < ids.length; i += wave) {
    await Promise.all(
      ids.slice(i, i + wave).map(async (job) => {
        const workdir = join(ws.root, 'work', job);
        mkdirSync(workdir, { recursive: true });
        writeFileSync(join(workdir, 'agent.sh'), `#!/bin/sh\n${o.script}`, { mode: 0o755 });
        const body = {
          agent: 'command',
          workdir,
          command: ['sh', 'agent.sh'],
          backend: o.backend,
          ...(o.expect ? { expect: o.expect } : {}),
        };
        const r = await emitEvent(operatorIdentity(ctx, job, 0), topic, 'control.create', body, {
          wait: true,
          timeoutMs: 30_000,
        });
        if (!r.committed) throw new Error(`job ${job} was not committed by the reconciler`);
      }),
    );
  }
}

/** Reads the registry read-only (as the CLI does), never holding it open between looks. */
export function readRegistry<T>(ctx: Context, fn: (reg: Registry) => T): T {
  const reg = openRegistry(ctx.ws.db, { readonly: true });
  try {
    return fn(reg);
  } finally {
    reg.close();
  }
}

/** Polls until `done` says so; fails with `what` and how far it got. */
export async function pollUntil(
  check: () => { ok: boolean; progress: string },
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = check();
    if (r.ok) return;
    if (Date.now() > deadline) throw new Error(`${what}: not reached after ${timeoutMs} ms (${r.progress})`);
    await sleep(50);
  }
}

/** Names of the sessions on a tmux socket ([] when no server runs there). */
export async function tmuxSessions(socket: string): Promise<string[]> {
  const r = await execa('tmux', ['-L', socket, 'list-sessions', '-F', '#{session_name}'], {
    reject: false,
    stdin: 'ignore',
  });
  return r.exitCode === 0 ? String(r.stdout).split('\n').filter(Boolean) : [];
}

export async function killTmuxServer(socket: string): Promise<void> {
  await execa('tmux', ['-L', socket, 'kill-server'], { reject: false, stdin: 'ignore' });
}

/**
 * Sets config before the reconciler starts (the mesh's broker has read its own
 * part already), and has the workspace's private tmux server killed at teardown.
 */
export function configureSessions(mesh: Mesh, patch: ConfigPatch): void {
  configure(mesh.ws, patch);
  const socket = mesh.ctx.cfg.sessions.tmuxSocket;
  // Registered before the reconciler starts, so it runs after the reconciler stopped.
  mesh.defer(() => killTmuxServer(socket));
}

/** The job's generation-1 done, as its agent's `mam emit job.done` would sign it. */
function agentDone(ctx: Context, job: string): { topic: string; payload: Buffer } {
  const ns = ctx.cfg.namespace;
  const topic = topics.events(ns, job);
  const msg = {
    v: 1 as const,
    ns,
    job,
    type: 'job.done',
    sender: 'agent',
    gen: 1,
    seq: 1,
    ts: Date.now(),
    body: { summary: 'bench' },
  };
  return { topic, payload: sealEnvelope(ns, topic, msg, ctx.keyring) };
}

/**
 * One round: `n` idle sessions on one backend, then their dones — `everyMs`
 * apart, or all at once (0). Latency per job = the session's ended_at minus
 * the received_at of its committed done, both stamped by the reconciler.
 */
async function round(
  ws: BenchWorkspace,
  backend: 'tmux' | 'pty',
  n: number,
  everyMs: number,
  log: (l: string) => void,
): Promise<number[]> {
  const ctx = ws.context();
  const prefix = `term-${backend}-${everyMs}-`;
  const ids = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  await createLaunchedJobs(ws, ctx, ids, { backend, script: IDLE_AGENT, expect: ['out.txt'] });
  const live = () =>
    readRegistry(ctx, (reg) => ids.filter((id) => reg.getSession(id, 1) && !reg.getSession(id, 1)!.ended_at).length);
  await pollUntil(
    () => ({ ok: live() === n, progress: `${live()} of ${n} sessions live` }),
    180_000,
    `${backend}: every session live`,
  );
  // Every artifact written before any done is sent (the agents write it first thing).
  await pollUntil(
    () => {
      const have = ids.filter((id) => existsSync(join(ws.root, 'work', id, 'out.txt'))).length;
      return { ok: have === n, progress: `${have} of ${n} artifacts` };
    },
    30_000,
    `${backend}: every artifact written`,
  );
  const client = await connectClient({
    url: ctx.endpoint.url,
    ca: ctx.endpoint.ca,
    ...ctx.creds.operator,
    reconnectMs: 0,
  });
  try {
    const sent: Promise<void>[] = [];
    for (const id of ids) {
      const d = agentDone(ctx, id);
      sent.push(client.publish(d.topic, d.payload, { qos: 1 }));
      if (everyMs) await sleep(everyMs);
    }
    await Promise.all(sent);
  } finally {
    await client.close();
  }
  const ended = () => readRegistry(ctx, (reg) => ids.filter((id) => reg.getSession(id, 1)?.ended_at).length);
  await pollUntil(
    () => ({ ok: ended() === n, progress: `${ended()} of ${n} sessions ended` }),
    120_000,
    `${backend}: every session ended`,
  );
  // Each session against the applied job.done of its own generation.
  const rows = readRegistry(ctx, (reg) =>
    ids.flatMap((job) => {
      const dones = reg.jobTimeline(job).filter((e) => e.type === 'job.done' && e.applied === 1);
      return reg
        .jobSessions(job)
        .flatMap((s) =>
          dones
            .filter((e) => e.gen === s.gen)
            .map((e) => ({ job, ms: (s.ended_at ?? Number.NaN) - e.received_at, reason: s.end_reason ?? '' })),
        );
    }),
  );
  const notDone = rows.filter((r) => !r.reason.startsWith('job.done'));
  if (rows.length !== n || notDone.length)
    throw new Error(
      `${backend}: ${rows.length} of ${n} sessions ended by their done (${JSON.stringify(notDone.slice(0, 3))})`,
    );
  if (backend === 'tmux') {
    const left = (await tmuxSessions(ctx.cfg.sessions.tmuxSocket)).filter((x) => x.startsWith(`mam-command-${prefix}`));
    if (left.length) throw new Error(`tmux still runs ${left.length} ended sessions`);
  }
  const ms = rows.map((r) => r.ms).sort((x, y) => x - y);
  log(`  ${backend}, ${everyMs ? `one every ${everyMs} ms` : 'all at once'}: ${ms.join(' ')}`);
  return ms;
}

/**
 * Verified terminal event → session gone, with a real broker and a real
 * `mam reconcile` owning the sessions. The goal is judged on a steady stream
 * of dones (one every 100 ms over 50 sessions); a burst of 50 at once shows
 * how terminations queue up on one host (no goal).
 */
export const terminationLatency: Benchmark = {
  name: NAME,
  issue: '#4',
  describe:
    'job.done committed → session gone (tmux and pty): a stream of dones, then a burst, over idle sessions of one host',
  run: (opts) =>
    withMesh({ name: NAME, cpuProfDir: opts.cpuProfDir, config: opts.config }, async (mesh) => {
      const n = opts.quick ? 10 : 50;
      configureSessions(mesh, { reconciler: { sweepIntervalMs: 1000 }, sessions: { killGraceMs: 1000 } });
      await mesh.startReconciler('reconciler');
      const figures: Figure[] = [];
      for (const backend of ['tmux', 'pty'] as const) {
        const stream = await round(mesh.ws, backend, n, STREAM_EVERY_MS, opts.log);
        const note = `${n} sessions, one done every ${STREAM_EVERY_MS} ms; done received → session ended`;
        figures.push(
          figure(NAME, `${backend}: done → session gone p50`, median(stream), 'ms', { note }),
          figure(NAME, `${backend}: done → session gone p99`, percentile(stream, 99), 'ms', {
            goal: { op: '<=', value: 100 },
            note,
          }),
        );
        const burst = await round(mesh.ws, backend, n, 0, opts.log);
        figures.push(
          figure(NAME, `${backend}: ${n} dones at once, p99`, percentile(burst, 99), 'ms', {
            note: `${n} sessions, every done published at once`,
          }),
        );
      }
      return figures;
    }),
};
