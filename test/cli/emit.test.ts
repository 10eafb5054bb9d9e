import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listOutbox, outboxDir } from '../../broker/emitter/outbox.js';
import { agentLogin } from '../../core/credentials.js';
import { openEnvelope, type Msg } from '../../core/envelope.js';
import { deriveKey } from '../../core/keys.js';
import { topics } from '../../core/topics.js';
import { expectCleanFailure } from '../helpers/cli-output.js';
import { eventually, subscribeAll, useBrokerSuite, type Received } from '../helpers/mesh.js';
import { runMam } from '../helpers/workspace.js';

const NS = 'emit';
const suite = useBrokerSuite(NS);

/** A reader on one job's events: what actually crossed the broker. */
async function watchJob(job: string): Promise<Received[]> {
  const reader = await suite.connect('reader');
  return (await subscribeAll(reader, [topics.events(NS, job)])).messages;
}

const verified = (m: Received): Msg =>
  openEnvelope(NS, m.topic, m.payload, suite.ctx.keyring, suite.ctx.cfg.events.maxMessageBytes).msg;
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('mam emit', () => {
  it('gives 20 concurrent emits of one job the seqs 1..20, each signed once', async () => {
    const seen = await watchJob('CONC');
    const runs = await Promise.all(
      range(20).map((i) =>
        runMam(suite.tw, ['emit', 'job.progress', '--job', 'CONC', '--no-wait', '--json', '--field', `message=n${i}`]),
      ),
    );
    for (const r of runs) expect(r.exitCode, String(r.stderr)).toBe(0);
    const seqs = runs.map((r) => JSON.parse(String(r.stdout)).seq as number);
    expect([...seqs].sort((a, b) => a - b)).toEqual(range(20));

    // Each emit re-sends the unacknowledged outbox, so seqs repeat on the wire; the set must be exactly 1..20.
    await eventually(() => expect(new Set(seen.map((m) => verified(m).seq)).size).toBe(20));
    const bytesBySeq = new Map<number, Set<string>>();
    for (const m of seen) {
      const msg = verified(m);
      expect(msg).toMatchObject({ job: 'CONC', type: 'job.progress', sender: 'operator@testhost' });
      bytesBySeq.set(msg.seq, (bytesBySeq.get(msg.seq) ?? new Set()).add(m.payload.toString('base64')));
    }
    expect([...bytesBySeq.keys()].sort((a, b) => a - b)).toEqual(range(20));
    // A re-send carries the very bytes first signed, never a re-signed copy.
    for (const [seq, copies] of bytesBySeq) expect(copies.size, `seq ${seq}`).toBe(1);
  });

  it('exits 75 without a reconciler, keeps the event in the outbox, and the next emit re-sends it', async () => {
    const seen = await watchJob('Q1');
    const r = await runMam(suite.tw, [
      'emit',
      'job.progress',
      '--job',
      'Q1',
      '--timeout',
      '300ms',
      '--field',
      'message=first',
    ]);
    expect(r.exitCode, String(r.stderr)).toBe(75);
    expect(r.stderr).toMatch(/not acknowledged within 300 ms; kept in .*outbox/);
    expect(r.stderr).toMatch(/hint: /);

    const box = outboxDir(suite.ctx.ws.operatorDir('Q1'));
    const files = readdirSync(box).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const kept = JSON.parse(readFileSync(join(box, files[0]!), 'utf8'));
    expect(kept).toMatchObject({ seq: 1, topic: topics.events(NS, 'Q1') });
    await eventually(() => expect(seen).toHaveLength(1));
    expect(seen[0]!.payload.toString('base64')).toBe(kept.payload);

    const again = await runMam(suite.tw, [
      'emit',
      'job.progress',
      '--job',
      'Q1',
      '--no-wait',
      '--json',
      '--field',
      'message=second',
    ]);
    expect(again.exitCode, String(again.stderr)).toBe(0);
    expect(JSON.parse(String(again.stdout))).toMatchObject({ seq: 2, resent: 1, committed: false });
    await eventually(() => expect(seen.map((m) => verified(m).seq)).toEqual([1, 1, 2]));
    expect(seen[1]!.payload.equals(seen[0]!.payload)).toBe(true);
  });

  const USAGE_ERRORS: Array<[string, string[]]> = [
    ['an unknown type', ['emit', 'job.teleported', '--job', 'BAD']],
    ['no type', ['emit', '--job', 'BAD']],
    ['--body that is not JSON', ['emit', 'job.progress', '--job', 'BAD', '--body', '{oops']],
    ['--body that is not an object', ['emit', 'job.progress', '--job', 'BAD', '--body', '[1]']],
    ['--body and --field together', ['emit', 'job.progress', '--job', 'BAD', '--body', '{}', '--field', 'a=1']],
    ['a malformed --field', ['emit', 'job.progress', '--job', 'BAD', '--field', 'novalue']],
    ['no --job', ['emit', 'job.progress']],
    ['a job id with a slash', ['emit', 'job.progress', '--job', 'a/b']],
    ['a negative --gen', ['emit', 'job.progress', '--job', 'BAD', '--gen', '-1']],
    ['a bad --timeout', ['emit', 'job.progress', '--job', 'BAD', '--timeout', 'soon']],
    ['an unknown flag', ['emit', 'job.progress', '--job', 'BAD', '--frobnicate']],
  ];
  it(`exits 2 with a hint, touching nothing, for ${USAGE_ERRORS.map(([what]) => what).join(', ')}`, async () => {
    // Independent processes: run together to keep the suite fast.
    const runs = await Promise.all(USAGE_ERRORS.map(([, args]) => runMam(suite.tw, args)));
    for (const [i, r] of runs.entries()) {
      try {
        expectCleanFailure(r, 2);
      } catch (err) {
        throw new Error(`${USAGE_ERRORS[i]![0]}: ${(err as Error).message}`);
      }
    }
    expect(existsSync(suite.ctx.ws.jobDir('BAD'))).toBe(false);
  });

  it('refuses a body the event schema rejects before anything is kept or sent', async () => {
    const seen = await watchJob('SCH');
    const r = await runMam(suite.tw, ['emit', 'job.progress', '--job', 'SCH', '--field', 'percent=500', '--no-wait']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('percent');
    expect(r.stderr).not.toMatch(/^\s+at \S/m);
    expect(listOutbox(suite.ctx.ws.operatorDir('SCH'))).toEqual([]);
    expect(seen).toEqual([]);
  });
});

describe('mam emit inside an agent session', () => {
  const job = 'AGENT1';

  /** The environment a launched session gets: a per-job key and login, nothing from the workspace. */
  function agentEnv(over: Record<string, string> = {}): NodeJS.ProcessEnv {
    const kid = suite.ctx.keyFile.active;
    const master = Buffer.from(suite.ctx.keyFile.keys[kid]!.secret, 'base64');
    const login = agentLogin(suite.ctx.creds, job);
    const env: NodeJS.ProcessEnv = { ...suite.tw.env };
    delete env.MAM_HOME;
    return {
      ...env,
      MAM_JOB_ID: job,
      MAM_JOB_KEY: deriveKey(master, job).toString('base64'),
      MAM_KID: kid,
      MAM_NAMESPACE: NS,
      MAM_BROKER_URL: suite.broker.url,
      MAM_BROKER_USERNAME: login.username,
      MAM_BROKER_PASSWORD: login.password,
      MAM_BROKER_CA: suite.ctx.ws.caCert,
      MAM_JOB_DIR: suite.ctx.ws.jobDir(job),
      ...over,
    };
  }

  it('signs with the job key and the event verifies with the master keyring', async () => {
    const seen = await watchJob(job);
    const r = await runMam(suite.tw, ['emit', 'job.heartbeat', '--no-wait', '--json'], {
      cwd: tmpdir(),
      env: agentEnv(),
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(JSON.parse(String(r.stdout))).toMatchObject({ job, seq: 1 });
    await eventually(() => expect(seen).toHaveLength(1));
    const opened = openEnvelope(NS, seen[0]!.topic, seen[0]!.payload, suite.ctx.keyring, 65536);
    expect(opened.kid).toBe(suite.ctx.keyFile.active);
    expect(opened.msg).toMatchObject({ job, type: 'job.heartbeat', sender: 'agent', seq: 1 });
  });

  it('refuses --job naming another job', async () => {
    const r = await runMam(suite.tw, ['emit', 'job.heartbeat', '--job', 'OTHER', '--no-wait'], {
      cwd: tmpdir(),
      env: agentEnv(),
    });
    expectCleanFailure(r, 2);
  });

  it('names the missing session variables', async () => {
    const r = await runMam(suite.tw, ['emit', 'job.heartbeat', '--no-wait'], {
      cwd: tmpdir(),
      env: agentEnv({ MAM_KID: '', MAM_BROKER_CA: '' }),
    });
    expectCleanFailure(r, 3);
    expect(r.stderr).toMatch(/MAM_KID.*MAM_BROKER_CA/);
  });

  it("fails cleanly when the session's broker login belongs to another job", async () => {
    const other = agentLogin(suite.ctx.creds, 'OTHER');
    const env = agentEnv({ MAM_BROKER_USERNAME: other.username, MAM_BROKER_PASSWORD: other.password });
    const r = await runMam(suite.tw, ['emit', 'job.heartbeat', '--no-wait'], { cwd: tmpdir(), env, timeout: 15_000 });
    expectCleanFailure(r, 5);
    expect(r.stderr).toContain('refused');
  });
});
