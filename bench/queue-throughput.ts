import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectClient, type MeshClient } from '../broker/client.js';
import type { Context } from '../core/context.js';
import { sealEnvelope } from '../core/envelope.js';
import { topics } from '../core/topics.js';
import { figure, type Benchmark, type Figure } from './benchmark.js';
import { withMesh } from './setup.js';
import { median, percentile, ratePerSecond } from './stats.js';
import { configureSessions, pollUntil, readRegistry } from './termination-latency.js';

const NAME = 'queue-throughput';
const MAX_CONCURRENT = 8;
const WAVE = 100;

/** One session's life as the reconciler recorded it: launched, its done committed, ended. */
interface Span {
  job: string;
  started: number;
  done: number;
  ended: number;
}

function sealed(
  ctx: Context,
  topic: string,
  job: string,
  type: string,
  sender: string,
  gen: number,
  body: object,
): Buffer {
  const ns = ctx.cfg.namespace;
  return sealEnvelope(ns, topic, { v: 1, ns, job, type, sender, gen, seq: 1, ts: Date.now(), body }, ctx.keyring);
}

/**
 * The jobs' signed control.creates (as `mam job create --no-wait` sends them) over one operator
 * connection, a wave of PUBACKs at a time: pty sessions of an agent that only waits, no worktree.
 */
async function createQueued(ctx: Context, op: MeshClient, ids: string[], workdir: string): Promise<void> {
  const topic = topics.control(ctx.cfg.namespace, ctx.cfg.host);
  const body = { agent: 'command', workdir, command: ['sh', '-c', 'exec sleep 600'], backend: 'pty', worktree: false };
  for (let i = 0; i < ids.length; i += WAVE) {
    await Promise.all(
      ids
        .slice(i, i + WAVE)
        .map((job) => op.publish(topic, sealed(ctx, topic, job, 'control.create', 'operator', 0, body), { qos: 1 })),
    );
  }
}

/**
 * Plays each job's agent: the moment the job's retained state shows its session launched, its
 * job.done goes out, signed with the job's key as its `mam emit` would sign it. The done comes
 * from here, not from a `mam emit` process per job, so the figures are mam's part, not a thousand
 * node start-ups on a busy host (as in termination-latency).
 */
export async function answerLaunches(ctx: Context): Promise<MeshClient> {
  const reader = await connectClient({
    url: ctx.endpoint.url,
    ca: ctx.endpoint.ca,
    ...ctx.creds.operator,
    reconnectMs: 0,
  });
  const answered = new Set<string>();
  reader.mqtt.on('message', (topic, payload) => {
    const msg = JSON.parse(JSON.parse(payload.toString('utf8')).msg) as {
      job: string;
      body: { session: string | null; gen: number; state: string };
    };
    const { session, gen, state } = msg.body;
    if (!session || gen !== 1 || answered.has(msg.job) || (state !== 'starting' && state !== 'running')) return;
    answered.add(msg.job);
    const events = topics.events(ctx.cfg.namespace, msg.job);
    void reader.publish(events, sealed(ctx, events, msg.job, 'job.done', 'agent', 1, { summary: 'bench' }), { qos: 1 });
  });
  await reader.mqtt.subscribeAsync(topics.allStates(ctx.cfg.namespace), { qos: 1 });
  return reader;
}

/** The `data` of every line of the daemon's log with message `msg`. */
function logged<T>(logFile: string, msg: string): T[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`))
    .map((l) => (JSON.parse(l) as { data: T }).data);
}

/**
 * Pairs each freed slot with the launch it allowed. At most `max` sessions live at once, so the
 * (k + max)-th launch came after the k-th end; with the queue never empty, it is that end's
 * launch. Per pair: done committed → next session launched (recorded), done → its session
 * ended, and session ended → the next launch begun (`launchMs`: each job's launch time).
 */
export function slotLatencies(spans: Span[], max: number, launchMs: Map<string, number>) {
  const starts = [...spans].sort((a, b) => a.started - b.started);
  const ends = [...spans].sort((a, b) => a.ended - b.ended);
  const total: number[] = [];
  const ending: number[] = [];
  const reaction: number[] = [];
  for (let k = 0; k + max < starts.length; k++) {
    const next = starts[k + max];
    total.push(next.started - ends[k].done);
    ending.push(ends[k].ended - ends[k].done);
    reaction.push(next.started - (launchMs.get(next.job) ?? 0) - ends[k].ended);
  }
  return { total, ending, reaction };
}

/**
 * 1,000 queued jobs, sessions.maxConcurrent 8, each done the moment it runs: how soon a freed
 * slot is used again, against the plain launch, with the scheduler's CPU and the reconciler's RSS.
 */
export const queueThroughput: Benchmark = {
  name: NAME,
  issue: '#15',
  describe:
    '1,000 queued pty jobs, maxConcurrent 8, each done at once: slot freed → next launch, plain launch, scheduler CPU, reconciler RSS',
  run: (opts) =>
    withMesh({ name: NAME, cpuProfDir: opts.cpuProfDir, config: opts.config }, async (mesh) => {
      const n = opts.quick ? 100 : 1000;
      configureSessions(mesh, {
        sessions: { maxConcurrent: MAX_CONCURRENT, isolation: 'none', killGraceMs: 1000 },
        reconciler: { sweepIntervalMs: 1000 },
      });
      const reconciler = await mesh.startReconciler('reconciler');
      const { ws, ctx } = mesh;
      const workdir = join(ws.root, 'work');
      mkdirSync(workdir, { recursive: true });
      const ids = Array.from({ length: n }, (_, i) => `q-${String(i).padStart(4, '0')}`);
      const op = await connectClient({
        url: ctx.endpoint.url,
        ca: ctx.endpoint.ca,
        ...ctx.creds.operator,
        reconnectMs: 0,
      });
      const t0 = Date.now();
      try {
        await createQueued(ctx, op, ids, workdir);
      } finally {
        await op.close();
      }
      const known = () => readRegistry(ctx, (reg) => ids.filter((id) => reg.getJob(id)).length);
      await pollUntil(
        () => ({ ok: known() === n, progress: `${known()} of ${n} jobs registered` }),
        120_000,
        'every job registered',
      );
      opts.log(
        `  ${n} jobs registered in ${Date.now() - t0} ms; the first ${MAX_CONCURRENT} launched, the rest queued`,
      );
      // Dones only from now on: every job is in the queue before the first slot frees.
      const t1 = Date.now();
      const agent = await answerLaunches(ctx);
      const ended = () => readRegistry(ctx, (reg) => ids.filter((id) => reg.getSession(id, 1)?.ended_at).length);
      try {
        await pollUntil(
          () => ({ ok: ended() === n, progress: `${ended()} of ${n} sessions ended` }),
          900_000,
          'every session ended',
        );
      } finally {
        await agent.close();
      }
      opts.log(`  ${n} jobs run in ${Date.now() - t1} ms`);
      const rssMiB = (reconciler.peakRssKb() ?? Number.NaN) / 1024;
      await reconciler.stop();
      const logFile = ws.log(`${NAME}-reconciler`);
      const launchMs = new Map(
        logged<{ job: string; ms: number }>(logFile, 'session launched').map((l) => [l.job, l.ms]),
      );
      const launches = ids.flatMap((id) => launchMs.get(id) ?? []);
      const sched = logged<{ runs: number; launched: number; cpuMs: number }>(logFile, 'scheduler stats').at(-1);
      if (!sched) throw new Error(`no scheduler statistics in ${logFile}`);
      // Each job's session and the committed done that freed its slot.
      const spans = readRegistry(ctx, (reg) =>
        ids.flatMap((job): Array<Span & { state: string; gen: number }> => {
          const j = reg.getJob(job);
          const sessions = reg.jobSessions(job);
          const done = reg.jobTimeline(job).find((e) => e.type === 'job.done' && e.applied === 1);
          return j
            ? sessions.flatMap((s) =>
                done && done.gen === s.gen && s.ended_at !== null
                  ? [
                      {
                        job,
                        started: s.started_at,
                        ended: s.ended_at,
                        done: done.received_at,
                        state: j.state,
                        gen: j.gen,
                      },
                    ]
                  : [],
              )
            : [];
        }),
      );
      const wrong = spans.filter((s) => s.state !== 'done' || s.gen !== 1);
      if (spans.length !== n || wrong.length)
        throw new Error(`${spans.length} of ${n} jobs done once (${JSON.stringify(wrong.slice(0, 3))})`);
      const { total, ending, reaction } = slotLatencies(spans, MAX_CONCURRENT, launchMs);
      const drainMs = Math.max(...spans.map((s) => s.ended)) - Math.min(...spans.map((s) => s.done));
      opts.log(
        `  done → next launched p50 ${median(total)} ms, p95 ${percentile(total, 95)} ms; done → ended p50 ${median(ending)} ms; ended → next launch begun p50 ${median(reaction)} ms, p95 ${percentile(reaction, 95)} ms`,
      );
      opts.log(
        `  launch p50 ${median(launches)} ms, p95 ${percentile(launches, 95)} ms; ${ratePerSecond(n, drainMs).toFixed(1)} jobs/s; scheduler ${sched.runs} runs, ${sched.cpuMs.toFixed(0)} ms CPU; RSS ${rssMiB.toFixed(1)} MiB`,
      );
      const note = `${n} queued pty jobs, sessions.maxConcurrent ${MAX_CONCURRENT}`;
      const figures: Figure[] = [
        figure(NAME, 'done committed → next session launched p50', median(total), 'ms', {
          goal: { op: '<=', value: 50 },
          note,
        }),
        figure(NAME, 'done committed → next session launched p95', percentile(total, 95), 'ms', {
          goal: { op: '<=', value: 100 },
          note,
        }),
        figure(NAME, 'of which done → its session ended p50', median(ending), 'ms', {
          note: 'the slot is held until the session has ended',
        }),
        figure(NAME, 'of which session ended → next launch begun p50', median(reaction), 'ms', {
          note: "the queue's own part",
        }),
        figure(NAME, 'of which plain launch p50', median(launches), 'ms', {
          note: 'launch begun → session recorded, same run',
        }),
        figure(NAME, 'scheduler CPU per job', (sched.cpuMs * 1000) / n, 'µs', {
          note: `${sched.runs} scheduler runs, create to drain`,
        }),
        figure(NAME, 'reconciler peak RSS', rssMiB, 'MiB', { note: `VmHWM of \`mam reconcile\`, ${n} jobs` }),
      ];
      return figures;
    }),
};
