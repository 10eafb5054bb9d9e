/**
 * Senders bound to keys: a job's agent holds its job's key only, and a
 * message signed with it can speak only as that job's agent. An agent that
 * names the operator (through `mam emit --sender`, or a hand-signed envelope
 * with a huge seq) is refused, the attempt is recorded as sender_mismatch,
 * and the operator's own `mam job stop` still ends the session.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../broker/client.js';
import { agentLogin } from '../../core/credentials.js';
import { hmac } from '../../core/keys.js';
import { topics } from '../../core/topics.js';
import { waitFor } from '../helpers/wait.js';
import { GATED_AGENT, release, startHost, type TestHost } from '../helpers/host/index.js';

const MAX_SEQ = Number.MAX_SAFE_INTEGER; // 2^53 - 1

describe('an agent signing as the operator', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ sweepIntervalMs: 300 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("is refused as sender_mismatch and recorded; the operator's stop is still committed and ends the session", async () => {
    const { id, workdir } = await h.createJob({ backend: 'pty', script: GATED_AGENT });
    const running = await h.waitJob(id, (j) => j.state === 'running', 'running');
    const operator = `operator@${h.ctx.cfg.host}`;
    const seqFile = join(h.ctx.ws.jobDir(id), `seq-${operator}`);
    const mark = h.read((reg) => reg.hwm(id, operator)); // the job's control.create

    // From inside the session: push the operator's counter to 2^53 - 2, then emit as the operator.
    release(
      h,
      id,
      running.gen,
      `printf ${MAX_SEQ - 1} > "$MAM_JOB_DIR/seq-${operator}"
mam emit job.heartbeat --sender ${operator} 2> forged.err; echo $? > forged.exit`,
    );
    await waitFor(() => readable(join(workdir, 'forged.exit')), 15_000, 'the in-session emit to finish');
    expect(readFileSync(join(workdir, 'forged.exit'), 'utf8').trim()).not.toBe('0');
    expect(readFileSync(join(workdir, 'forged.err'), 'utf8')).toMatch(/MAM_ERR_SENDER_MISMATCH|cannot sign as/);
    // Nothing was signed, so no seq was spent.
    expect(readFileSync(seqFile, 'utf8')).toBe(String(MAX_SEQ - 1));

    // A malicious agent signs by hand with the key its session holds, past the CLI's check.
    const topic = topics.events(h.ctx.cfg.namespace, id);
    const kid = h.ctx.keyring.activeKid;
    const jobKey = h.ctx.keyring.keyFor(kid, id)!;
    const text = JSON.stringify({
      v: 1,
      ns: h.ctx.cfg.namespace,
      job: id,
      type: 'job.heartbeat',
      sender: operator,
      gen: running.gen,
      seq: MAX_SEQ,
      ts: Date.now(),
      body: {},
    });
    const sig = hmac(jobKey, `mam-v1\n${topic}\n${text}`).toString('base64url');
    const agent = await connectClient({
      url: h.ctx.endpoint.url,
      ca: h.ctx.endpoint.ca,
      ...agentLogin(h.ctx.creds, id),
      reconnectMs: 0,
    });
    await agent.publish(topic, JSON.stringify({ kid, sig, msg: text }), { qos: 1 });
    await agent.close();
    await waitFor(
      () => h.rejections(id).some((r) => r.reason === 'sender_mismatch'),
      10_000,
      'the forged event to be recorded',
    );
    expect(h.rejections(id)).toEqual([
      expect.objectContaining({ reason: 'sender_mismatch', sender: operator, seq: MAX_SEQ }),
    ]);
    // The operator's high-water mark did not move.
    expect(h.read((reg) => reg.hwm(id, operator))).toBe(mark);
    expect(h.job(id)!.state).toBe('running');

    const r = await h.mam(['job', 'stop', id, '--reason', 'enough']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toContain(`${id}: stop committed`);
    await h.waitJob(id, (j) => j.state === 'cancelled', 'cancelled');
    await waitFor(() => !!h.session(id)?.ended_at, 10_000, 'the session to end');
    // The counter the agent pushed lies in its job folder; the operator counts in its own folder.
    expect(h.session(id)!.end_reason).toBe(`job.cancelled (seq 2 from ${operator})`);
  });
});

function readable(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').trim() !== '';
  } catch {
    return false;
  }
}
