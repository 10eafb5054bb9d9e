import { appendFileSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionLogFile } from '../../agents/log-files.js';
import { connectClient, type MeshClient } from '../../broker/client.js';
import { openEnvelope } from '../../core/envelope.js';
import { topics } from '../../core/topics.js';
import { MAM_BIN } from '../helpers/workspace.js';
import { stalledReason } from '../../subscriber/stall-reports.js';
import { waitFor } from '../helpers/wait.js';
import { jsonLines } from '../helpers/cli-output.js';
import { GATE, openGate, startHost, type TestHost } from '../helpers/host/index.js';

const CAP = 4096;
// 300 numbered lines of 61 bytes, about 1.2 KiB per 200 ms: the log passes the cap again and again.
const PRINTER = `${GATE}i=0
while [ $i -lt 300 ]; do
  printf 'line %04d %s\\n' $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
  i=$((i+1))
  [ $((i % 10)) -eq 0 ] && sleep 0.1
done
echo finished-printing
exec sleep 600
`;

/** The numbers of the "line NNNN" lines in a text, in order. */
const numbered = (text: string) => [...text.matchAll(/line (\d{4}) x+/g)].map((m) => Number(m[1]));

/** In order, none twice, (almost) none lost: only a copy-then-truncate window may drop a write. */
function expectInOrder(nums: number[]) {
  for (let i = 1; i < nums.length; i++) expect(nums[i]).toBeGreaterThan(nums[i - 1]);
  expect(nums.length).toBeGreaterThanOrEqual(290);
}

describe('session logs and live output', () => {
  let h: TestHost;
  let reader: MeshClient;
  const output = new Map<string, Array<{ seq: number; sender: string; gen: number; data: string }>>();
  const states = new Map<string, Array<{ state: string; reason: string | null }>>();
  const streamed = (job: string) => (output.get(job) ?? []).map((m) => m.data).join('');

  beforeAll(async () => {
    h = await startHost({
      repos: true,
      config: { sessions: { logMaxBytes: CAP, logKeep: 2, stalledAfterSeconds: 2 } },
    });
    const ns = h.ctx.cfg.namespace;
    reader = await connectClient({
      url: h.ctx.endpoint.url,
      ca: h.ctx.endpoint.ca,
      ...h.ctx.creds.reader,
      reconnectMs: 0,
    });
    reader.mqtt.on('message', (topic, payload) => {
      // Every message is verified as any reader must: a forged chunk would throw here.
      const { msg } = openEnvelope(ns, topic, payload, h.ctx.keyring, h.ctx.cfg.events.maxMessageBytes);
      const list = msg.type === 'job.output' ? output : states;
      const entry =
        msg.type === 'job.output'
          ? { seq: msg.seq, sender: msg.sender, gen: msg.gen, data: String(msg.body.data) }
          : { state: String(msg.body.state), reason: msg.body.reason as string | null };
      (list as Map<string, unknown[]>).set(msg.job, [...((list as Map<string, unknown[]>).get(msg.job) ?? []), entry]);
    });
    await reader.mqtt.subscribeAsync({ [topics.output(ns, '+')]: { qos: 0 }, [topics.state(ns, '+')]: { qos: 1 } });
  });
  afterAll(async () => {
    await reader?.close();
    await h?.close();
  });

  it('streams what the agent prints on jobs/<job>/output as signed job.output chunks, and job show has the last lines', async () => {
    const { id: job } = await h.createJob({
      workdir: mkdtempSync(join(tmpdir(), 'mam-out-')),
      script: 'echo "hello from $MAM_JOB_ID"\nmam emit job.started\nexec sleep 600\n',
    });
    await waitFor(
      () => streamed(job).includes(`hello from ${job}`),
      15_000,
      'the printed line on the output topic',
    ).catch((e) => {
      throw new Error(`${e.message}; got ${JSON.stringify(streamed(job))}\n${h.logs()}`);
    });
    const chunks = output.get(job)!;
    expect(chunks.every((c) => c.sender === `reconciler@${h.ctx.cfg.host}` && c.gen === 1)).toBe(true);
    for (let i = 1; i < chunks.length; i++) expect(chunks[i].seq).toBeGreaterThan(chunks[i - 1].seq);

    const shown = await h.mam(['job', 'show', job, '--json']);
    expect(shown.exitCode, String(shown.stderr)).toBe(0);
    expect(jsonLines<{ log: string[] }>(shown.stdout)[0].log).toContain(`hello from ${job}`);
    const text = await h.mam(['job', 'show', job]);
    expect(String(text.stdout)).toMatch(new RegExp(`\\| hello from ${job}`));
    await h.mam(['job', 'stop', job]);
  });

  it('caps session.log by rotation while the agent prints, and `mam job logs -f` and the stream lose nothing', async () => {
    const { id: job } = await h.createJob({ workdir: mkdtempSync(join(tmpdir(), 'mam-rot-')), script: PRINTER });
    const file = sessionLogFile(h.ctx.ws.jobDir(job));
    await waitFor(() => existsSync(file), 15_000, 'the session log');
    const follower = execa(process.execPath, [MAM_BIN, 'job', 'logs', '-f', '--bytes', '0', job], {
      cwd: h.tw.root,
      env: h.tw.env,
      extendEnv: false,
      reject: false,
      buffer: false,
    });
    let followed = '';
    follower.stdout!.on('data', (d: Buffer) => (followed += d.toString()));
    // The follower starts at the end of the log (--bytes 0): printing begins only once it is following,
    // which it shows by printing a line appended after it started (a loaded machine may take a while).
    let polls = 0;
    await waitFor(
      () => {
        if (polls++ % 10 === 0) appendFileSync(file, 'follower-ready\n');
        return followed.includes('follower-ready');
      },
      30_000,
      '`mam job logs -f` to follow the log',
    );
    openGate(h, job, ':');
    let largest = 0;
    await waitFor(
      () => {
        largest = Math.max(largest, statSync(file).size);
        return followed.includes('finished-printing');
      },
      30_000,
      '`mam job logs -f` to print the end',
    ).catch((e) => {
      throw new Error(`${e.message}; followed ${followed.length} bytes\n${h.logs()}`);
    });
    follower.kill('SIGTERM');
    await follower;

    // Checked every 200 ms: the live file stays near the cap, the copies are the cap's size.
    expect(largest).toBeLessThan(CAP * 2);
    expect(statSync(`${file}.1`).size).toBeGreaterThan(CAP);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    expectInOrder(numbered(followed));
    await waitFor(() => streamed(job).includes('finished-printing'), 10_000, 'the stream to reach the end');
    expectInOrder(numbered(streamed(job)));
    await h.mam(['job', 'stop', job]);
  });

  it('reports a silent session as stalled (state and session unchanged) and clears it when output or an event comes', async () => {
    const { id: job } = await h.createJob({
      workdir: mkdtempSync(join(tmpdir(), 'mam-stall-')),
      script: 'mam emit job.started\necho going quiet\nsleep 5\necho awake again\nexec sleep 600\n',
    });
    const reason = stalledReason(2);
    const stalled = await h.waitJob(job, (j) => j.reason === reason, 'the stalled report', 15_000);
    expect(stalled.state).toBe('running');
    await waitFor(
      () => (states.get(job) ?? []).some((s) => s.reason === reason && s.state === 'running'),
      5000,
      'the stalled state published',
    );
    expect(h.lines.some((l) => l.includes('session stalled') && l.includes(job))).toBe(true);

    // Output resumes: the report is withdrawn, the earlier reason (none) restored, nothing was killed.
    const cleared = await h.waitJob(job, (j) => j.reason === null, 'the report to clear on output', 15_000);
    expect(cleared.state).toBe('running');
    const session = h.read((reg) => reg.getSession(job, 1))!;
    expect(session.ended_at).toBeNull();
    expect(
      (await execa('tmux', ['-L', h.socket, 'has-session', '-t', `=${session.name}`], { reject: false })).exitCode,
    ).toBe(0);
    await waitFor(() => (states.get(job) ?? []).at(-1)?.reason === null, 5000, 'the cleared state published');

    // Silent again; an event counts as activity just as output does.
    await h.waitJob(job, (j) => j.reason === reason, 'the second stalled report', 15_000);
    const beat = await h.mam(['emit', 'job.heartbeat', '--job', job]);
    expect(beat.exitCode, String(beat.stderr)).toBe(0);
    await h.waitJob(job, (j) => j.reason === null, 'the report to clear on an event', 5000);
    await h.mam(['job', 'stop', job]);
  });
});
