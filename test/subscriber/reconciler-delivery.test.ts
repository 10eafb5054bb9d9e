import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToOutbox, listOutbox, outboxDir, type OutboxEntry } from '../../broker/emitter/outbox.js';
import { openEnvelope } from '../../core/envelope.js';
import type { Reconciler } from '../../subscriber/reconciler.js';
import { runMam } from '../helpers/workspace.js';
import { count, sealEvent, seedJobs, startMesh, startReconciler, waitUntil, type Mesh } from '../helpers/reconciler.js';

let m: Mesh;
let rec: Reconciler | undefined;

beforeAll(async () => {
  // Long enough for a loaded machine (a late ack turns an expected 0 or 65 into 75), short enough
  // for the unacknowledged case to be quick; the sweep still waits out its 5 s grace.
  m = await startMesh({ emit: { ackTimeoutMs: 4000 }, reconciler: { sweepIntervalMs: 200 } });
  rec = await startReconciler(m);
  await seedJobs(m, await m.connect(), ['E1']);
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

const outbox = () => listOutbox(m.ctx.ws.operatorDir('E1'));
/** Entries set aside in outbox/expired/, as {sender, seq}. */
const expired = (job: string) => {
  const dir = join(outboxDir(m.ctx.ws.operatorDir(job)), 'expired');
  try {
    return readdirSync(dir)
      .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as OutboxEntry)
      .map((e) => ({ sender: e.sender, seq: e.seq }));
  } catch {
    return [];
  }
};
const rejectionsOf = (job: string, seq?: number) =>
  seq === undefined
    ? count(m, 'SELECT COUNT(*) AS n FROM rejections WHERE job = ?', job)
    : count(m, 'SELECT COUNT(*) AS n FROM rejections WHERE job = ? AND seq = ?', job, seq);
/** Waits for `n` more sweeps of the running reconciler. */
const sweeps = async (n: number) => {
  const from = rec!.stats.sweeps;
  await waitUntil(() => rec!.stats.sweeps - from, n, `${n} sweeps`);
};
/** An outbox entry as `mam emit` leaves it, created `ageMs` ago so the sweep's grace is over. */
const leaveInOutbox = (job: string, e: { topic: string; payload: Buffer }, ageMs: number) => {
  const o = openEnvelope(m.ns, e.topic, e.payload, m.ctx.keyring, 1 << 20);
  addToOutbox(m.ctx.ws.operatorDir(job), {
    topic: e.topic,
    sender: o.msg.sender,
    seq: o.msg.seq,
    payload: e.payload.toString('base64'),
    created: Date.now() - ageMs,
  });
};
const emit = (message: string) =>
  runMam(m.tw, ['emit', 'job.progress', '--job', 'E1', '--field', `message=${message}`, '--json']);
const committed = (seq: number) => (rec?.reg.hasEvent('E1', `operator@${m.host}`, seq) ? 1 : 0);

describe('delivery acknowledgement of mam emit', () => {
  it('exits 0 and says committed while the reconciler runs; nothing stays in the outbox', async () => {
    const r = await emit('first');
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout)) as { seq: number; committed: boolean; queued: boolean };
    expect(out).toMatchObject({ committed: true, queued: false });
    expect(committed(out.seq)).toBe(1);
    expect(outbox()).toEqual([]);

    const plain = await runMam(m.tw, ['emit', 'job.progress', '--job', 'E1', '--field', 'message=second']);
    expect(plain.exitCode, String(plain.stderr)).toBe(0);
    expect(String(plain.stdout)).toMatch(/ committed/);
  });

  it('a refused event exits 65 with the reason code, and its entry moves to outbox/expired/ instead of being re-sent', async () => {
    const r = await runMam(m.tw, [
      'emit',
      'job.progress',
      '--job',
      'E1',
      '--gen',
      '7',
      '--field',
      'message=from an old session',
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(65);
    expect(String(r.stderr)).toMatch(/refused job\.progress seq \d+ of job E1 \(wrong_generation\): generation 7 /);
    expect(String(r.stderr)).toMatch(/hint: .*mam job show E1/);
    expect(outbox()).toEqual([]);
    const [entry] = expired('E1');
    expect(entry).toMatchObject({ sender: `operator@${m.host}` });
    await sweeps(3);
    expect(rejectionsOf('E1', entry.seq)).toBe(1);
    expect(expired('E1')).toEqual([entry]);
  });

  it('the sweep never re-sends to a job the registry does not know, and sets aside an entry refused for good after its one refusal', async () => {
    const hour = 3600_000;
    leaveInOutbox('GHOST', sealEvent(m, { job: 'GHOST', seq: 1, sender: 'late' }), 60_000);
    // Signed a day and more ago: refused by timestamp, which no resend of the same bytes can change.
    leaveInOutbox('E1', sealEvent(m, { job: 'E1', seq: 500, sender: 'late', ts: Date.now() - 25 * hour }), 60_000);
    await waitUntil(
      () => expired('E1').filter((e) => e.sender === 'late').length,
      1,
      'the refused entry to be set aside',
    );
    expect(expired('E1')).toContainEqual({ sender: 'late', seq: 500 });
    expect(listOutbox(m.ctx.ws.operatorDir('E1')).filter((e) => e.sender === 'late')).toEqual([]);
    await sweeps(3);
    expect(rejectionsOf('E1', 500)).toBe(1);
    expect(
      count(m, "SELECT COUNT(*) AS n FROM rejections WHERE job = 'E1' AND seq = 500 AND reason = 'timestamp'"),
    ).toBe(1);
    // The unknown job's entry waits, unsent and unrecorded, until its job exists or it expires.
    expect(rejectionsOf('GHOST')).toBe(0);
    expect(listOutbox(m.ctx.ws.operatorDir('GHOST')).map((e) => e.seq)).toEqual([1]);
  });

  it('exits 75 with the reconciler stopped and keeps the entry; the restarted reconciler re-sends and clears it', async () => {
    await rec!.close();
    rec = undefined;
    // A fresh broker holds no session for the reconciler: only the outbox can deliver what comes next.
    await m.restartBroker();
    const r = await emit('while down');
    expect(r.exitCode, String(r.stderr)).toBe(75);
    const out = JSON.parse(String(r.stdout)) as { seq: number; committed: boolean; queued: boolean };
    expect(out).toMatchObject({ committed: false, queued: true });
    expect(outbox().map((e) => e.seq)).toEqual([out.seq]);

    rec = await startReconciler(m);
    await waitUntil(() => committed(out.seq), 1, `the sweep to re-send seq ${out.seq}`, 15_000);
    await waitUntil(() => (outbox().length === 0 ? 1 : 0), 1, 'the sweep to clear the committed entry', 5000);
    expect(rec.reg.jobTimeline('E1').filter((e) => e.seq === out.seq)).toHaveLength(1);
  });

  it('with the broker down, an event whose generation is known waits in the outbox (exit 75, not sent) and is delivered once it is back', async () => {
    const before = outbox().length;
    // Down long enough for the four CLI runs below to start and fail on a loaded machine.
    const restarted = m.restartBroker(8000);
    await sleep(300);
    // No generation to be had (a job this host's registry does not know, no --gen): nothing is kept, exit 5.
    const blind = await runMam(m.tw, ['emit', 'job.progress', '--job', 'NOWHERE', '--field', 'message=no generation']);
    expect(blind.exitCode, String(blind.stderr)).toBe(5);
    expect(listOutbox(m.ctx.ws.operatorDir('NOWHERE'))).toEqual([]);

    const r = await runMam(m.tw, [
      'emit',
      'job.progress',
      '--job',
      'E1',
      '--gen',
      '0',
      '--field',
      'message=while the broker is down',
      '--json',
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(75);
    const out = JSON.parse(String(r.stdout)) as { seq: number; committed: boolean; queued: boolean; sent: boolean };
    expect(out).toMatchObject({ committed: false, queued: true, sent: false });
    expect(outbox().map((e) => e.seq)).toContain(out.seq);
    // Without --gen, the generation comes from this host's registry.
    const text = await runMam(m.tw, ['emit', 'job.progress', '--job', 'E1', '--field', 'message=again']);
    expect(text.exitCode).toBe(75);
    expect(String(text.stderr)).toMatch(/not sent, the broker is unreachable .*ECONNREFUSED/);
    // A job created meanwhile: its control.create waits in the new job's outbox, and the sweep sends it.
    const create = await runMam(m.tw, ['job', 'create', '--agent', 'command', '--no-worktree', '--json', '--', 'true']);
    expect(create.exitCode, String(create.stderr)).toBe(75);
    const created = JSON.parse(String(create.stdout)) as { job: string; queued: boolean; sent: boolean };
    expect(created).toMatchObject({ queued: true, sent: false });

    await restarted;
    await waitUntil(
      () => committed(out.seq) + committed(out.seq + 1),
      2,
      'the sweep to deliver both kept events',
      20_000,
    );
    expect(
      count(
        m,
        'SELECT SUM(applied) AS n FROM events WHERE job = ? AND sender = ? AND seq IN (?, ?)',
        'E1',
        `operator@${m.host}`,
        out.seq,
        out.seq + 1,
      ),
    ).toBe(2);
    await waitUntil(
      () => count(m, 'SELECT COUNT(*) AS n FROM jobs WHERE id = ?', created.job),
      1,
      'the sweep to deliver the kept job create',
      10_000,
    );
    await waitUntil(
      () => (listOutbox(m.ctx.ws.operatorDir(created.job)).length === 0 ? 1 : 0),
      1,
      'the sweep to clear the delivered create',
      5000,
    );
    await waitUntil(() => (outbox().length === before ? 1 : 0), 1, 'the sweep to clear them', 5000);
  });
});
