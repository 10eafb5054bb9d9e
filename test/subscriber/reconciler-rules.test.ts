import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshClient } from '../../broker/client.js';
import { emitEvent } from '../../broker/emitter/emit-event.js';
import { openEnvelope } from '../../core/envelope.js';
import { topics } from '../../core/topics.js';
import { operatorIdentity } from '../../subscriber/operator-identity.js';
import type { Reconciler } from '../../subscriber/reconciler.js';
import { subscribeAll, type Received } from '../helpers/mesh.js';
import { withRegistryFile } from '../helpers/registry-file.js';
import { runMam } from '../helpers/workspace.js';
import {
  publishAll,
  seedJobs,
  sealEvent,
  startMesh,
  startReconciler,
  waitUntil,
  type Mesh,
} from '../helpers/reconciler.js';

let m: Mesh;
let rec: Reconciler;
let operator: MeshClient;

beforeAll(async () => {
  m = await startMesh();
  rec = await startReconciler(m);
  operator = await m.connect();
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

const job = (id: string) => rec.reg.getJob(id)!;
const rejections = (id: string) =>
  rec.reg
    .listRejections({ job: id })
    .reverse()
    .map(({ reason, sender, seq }) => ({ reason, sender, seq }));
/** The job's events of one sender, oldest first. */
const eventsOf = (id: string, sender: string) => rec.reg.jobTimeline(id).filter((e) => e.sender === sender);

/** Publishes signed events in order and waits until the reconciler has taken each (applied or refused). */
async function send(id: string, events: Array<{ seq: number; type?: string; gen?: number; body?: object }>) {
  await publishAll(
    operator,
    events.map((e) => sealEvent(m, { job: id, ...e })),
  );
  const last = events.at(-1)!.seq;
  // Applied or refused, a fresh seq is consumed (the high-water mark moves); one refused before that is recorded.
  await waitUntil(
    () => (rec.reg.hwm(id, 'agent') >= last || rejections(id).some((r) => r.seq === last) ? 1 : 0),
    1,
    `seq ${last} of ${id} to be taken`,
  );
}

describe('replay after a restart', () => {
  it('refuses the captured bytes of a committed event as a replay, acknowledges them and changes nothing', async () => {
    await seedJobs(m, operator, ['R1']);
    const reader = await m.connect('reader');
    const { messages } = await subscribeAll(reader, [topics.events(m.ns, 'R1'), topics.state(m.ns, 'R1')]);
    const r = await emitEvent(
      operatorIdentity(m.ctx, 'R1', 0),
      topics.events(m.ns, 'R1'),
      'job.started',
      { pid: 4242 },
      { wait: true, timeoutMs: 5000 },
    );
    expect(r.committed).toBe(true);
    const captured = messages.find((x) => x.topic === topics.events(m.ns, 'R1'))!;
    expect(captured, 'the reader saw the event on the wire').toBeDefined();

    await rec.close();
    rec = await startReconciler(m);
    const before = { ...job('R1'), events: rec.reg.countEvents('R1') };
    expect(before.state).toBe('running');
    const states = messages.length;
    await operator.publish(captured.topic, captured.payload, { qos: 1 });
    await waitUntil(() => rejections('R1').length, 1, 'the replay to be recorded');

    expect(rejections('R1')).toEqual([{ reason: 'replay', sender: `operator@${m.host}`, seq: r.seq }]);
    expect({ ...job('R1'), events: rec.reg.countEvents('R1') }).toEqual(before);
    // Acknowledged all the same: an emitter re-sending from its outbox learns the event is in.
    await expect
      .poll(() => acksIn(messages.slice(states), 'R1'), { timeout: 5000 })
      .toContainEqual([`operator@${m.host}`, r.seq]);
  });
});

function acksIn(received: Received[], id: string): Array<[string, number]> {
  return received
    .filter((x) => x.topic === topics.state(m.ns, id))
    .flatMap(
      (x) =>
        (openEnvelope(m.ns, x.topic, x.payload, m.ctx.keyring, 1 << 20).msg.body as { acks: Array<[string, number]> })
          .acks,
    );
}

describe('generation and transitions', () => {
  it('refuses an event of another generation and leaves the state alone', async () => {
    await seedJobs(m, operator, ['G1']);
    const before = job('G1');
    await send('G1', [{ seq: 1, type: 'job.started', gen: 1 }]);
    expect(rejections('G1')).toEqual([{ reason: 'wrong_generation', sender: 'agent', seq: 1 }]);
    expect(job('G1')).toEqual(before);
    // The refused seq is consumed: the same message can never become applicable later.
    expect(eventsOf('G1', 'agent').map(({ seq, applied }) => ({ seq, applied }))).toEqual([{ seq: 1, applied: 0 }]);
  });

  it('refuses an illegal transition (progress after done) and keeps the job done', async () => {
    await seedJobs(m, operator, ['D1']);
    await send('D1', [
      { seq: 1, type: 'job.started' },
      { seq: 2, type: 'job.done', body: { summary: 'ok' } },
    ]);
    expect(job('D1').state).toBe('done');
    const before = job('D1');
    await send('D1', [{ seq: 3, type: 'job.progress', body: { message: 'late' } }]);
    expect(rejections('D1')).toEqual([{ reason: 'illegal_transition', sender: 'agent', seq: 3 }]);
    expect(job('D1')).toEqual(before);
  });
});

describe('a message that fails after writing', () => {
  it('takes back only that message: the rest of its batch commits exactly once and the failure is recorded', async () => {
    await seedJobs(m, operator, ['W1']);
    // A real SQLite failure inside a batch: the blocked event's insert aborts after the job row was already set to
    // blocked.
    // Made on a connection of the test's own, which the reconciler's connection sees as a schema change.
    withRegistryFile(m.ctx.ws.db, (db) =>
      db.exec(
        `CREATE TRIGGER fail_w1 BEFORE INSERT ON events WHEN NEW.job = 'W1' AND NEW.seq = 10 BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
      ),
    );
    const blocked = { seq: 10, type: 'job.blocked', body: { reason: 'needs a token' } };
    try {
      await send('W1', [
        { seq: 1, type: 'job.started' },
        ...Array.from({ length: 8 }, (_, i) => ({ seq: i + 2, body: { message: `step ${i + 2}` } })),
        blocked,
      ]);
    } finally {
      withRegistryFile(m.ctx.ws.db, (db) => db.exec('DROP TRIGGER fail_w1'));
    }
    const agentSeqs = () =>
      eventsOf('W1', 'agent')
        .map((e) => e.seq)
        .sort((a, b) => a - b);
    expect(agentSeqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(rejections('W1')).toEqual([{ reason: 'internal', sender: 'agent', seq: 10 }]);
    // Its state change went with it: no job left blocked without the event that blocked it.
    expect(job('W1')).toMatchObject({ state: 'running', reason: null });
    expect(
      withRegistryFile(m.ctx.ws.db, (db) =>
        db.prepare('SELECT seq FROM hwm WHERE job = ? AND sender = ?').pluck().get('W1', 'agent'),
      ),
    ).toBe(9);

    // Nothing of seq 10 was kept, so its sender's resend (an outbox) is taken.
    await publishAll(operator, [sealEvent(m, { job: 'W1', ...blocked })]);
    await waitUntil(() => agentSeqs().length, 10, 'the resent seq 10 to be committed');
    expect(job('W1')).toMatchObject({ state: 'blocked', reason: 'needs a token' });
  });
});

describe('CLI readers', () => {
  it('mam jobs, mam job show and mam rejections reflect the registry', async () => {
    await seedJobs(m, operator, ['C1', 'C2']);
    await send('C1', [
      { seq: 1, type: 'job.started' },
      { seq: 2, type: 'job.progress', body: { message: 'half', percent: 50 } },
      { seq: 3, type: 'job.done', body: { summary: 'all done' } },
      { seq: 4, type: 'job.progress', body: { message: 'too late' } },
    ]);
    await send('C2', [{ seq: 1, type: 'job.started', gen: 7 }]);

    const [jobs, show, rej] = await Promise.all([
      runMam(m.tw, ['jobs', '--json']),
      runMam(m.tw, ['job', 'show', 'C1', '--json']),
      runMam(m.tw, ['rejections', '--json']),
    ]);
    for (const r of [jobs, show, rej]) expect(r.exitCode, String(r.stderr)).toBe(0);

    const listed = JSON.parse(String(jobs.stdout)) as Array<{
      id: string;
      state: string;
      gen: number;
      host: string;
      spec: { agent: string };
    }>;
    expect(listed.find((j) => j.id === 'C1')).toMatchObject({
      state: 'done',
      gen: 0,
      host: m.host,
      spec: { agent: 'command', launch: false },
    });
    expect(listed.find((j) => j.id === 'C2')).toMatchObject({ state: 'starting' });

    const detail = JSON.parse(String(show.stdout)) as {
      job: { state: string };
      timeline: Array<{
        type: string;
        seq: number;
        sender: string;
        applied: number;
        state_after: string | null;
        body: unknown;
      }>;
      rejections: Array<{ reason: string }>;
    };
    expect(detail.job.state).toBe('done');
    expect(detail.timeline.map((e) => [e.sender, e.seq, e.type, e.applied, e.state_after])).toEqual([
      ['operator', 1, 'control.create', 1, 'starting'],
      ['agent', 1, 'job.started', 1, 'running'],
      ['agent', 2, 'job.progress', 1, 'running'],
      ['agent', 3, 'job.done', 1, 'done'],
      ['agent', 4, 'job.progress', 0, null],
    ]);
    expect(detail.timeline[2].body).toEqual({ message: 'half', percent: 50 });
    expect(detail.rejections.map((r) => r.reason)).toEqual(['illegal_transition']);

    const all = JSON.parse(String(rej.stdout)) as {
      counts: Array<{ reason: string; n: number }>;
      rejections: Array<{ reason: string; job: string; seq: number }>;
    };
    expect(all.rejections).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'illegal_transition', job: 'C1', seq: 4 }),
        expect.objectContaining({ reason: 'wrong_generation', job: 'C2', seq: 1 }),
      ]),
    );
    const counted = Object.fromEntries(all.counts.map((c) => [c.reason, c.n]));
    const stored = withRegistryFile(
      m.ctx.ws.db,
      (db) =>
        db.prepare('SELECT reason, COUNT(*) AS n FROM rejections GROUP BY reason').all() as Array<{
          reason: string;
          n: number;
        }>,
    );
    expect(counted).toEqual(Object.fromEntries(stored.map((c) => [c.reason, c.n])));
  });
});
