/**
 * Nothing but a verified done of the job's CURRENT generation, on the job's
 * own topic, ends its session (issue 4, deliver 4): a forged signature, a
 * replayed done, a done of the previous generation after a resume, and a done
 * on another job's topic all leave the session running, and the rejections
 * table says why. The artifacts are present throughout, so only verification
 * stands between each message and the session.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshClient } from '../../broker/client.js';
import { emitEvent } from '../../broker/emitter/emit-event.js';
import { sealEnvelope, type Msg } from '../../core/envelope.js';
import { singleKeyring } from '../../core/keys.js';
import { topics } from '../../core/topics.js';
import { operatorIdentity } from '../../subscriber/operator-identity.js';
import { withRegistryFile } from '../helpers/registry-file.js';
import { waitFor } from '../helpers/wait.js';
import { GATED_AGENT, release, startHost, type TestHost } from '../helpers/host/index.js';

const SWEEP_MS = 300;

describe.each(['tmux', 'pty'] as const)(
  'a session survives every event that is not its verified done (%s)',
  (backend) => {
    let h: TestHost;
    let op: MeshClient;
    let ns: string;
    beforeAll(async () => {
      h = await startHost({ sweepIntervalMs: SWEEP_MS });
      op = await h.operator();
      ns = h.ctx.cfg.namespace;
    });
    afterAll(async () => {
      await h?.close();
    });

    const msg = (job: string, over: Partial<Msg> = {}): Msg => ({
      v: 1,
      ns,
      job,
      type: 'job.done',
      sender: 'agent',
      gen: 1,
      seq: 1_000_000,
      ts: Date.now(),
      body: {},
      ...over,
    });

    /** The raw bytes of the job's committed job.done of generation `gen`, as they crossed the broker. */
    const committedDone = (job: string, gen: number): Buffer =>
      withRegistryFile(h.ctx.ws.db, (db) =>
        db
          .prepare<[string, number], { raw: Buffer }>(
            "SELECT raw FROM events WHERE job = ? AND gen = ? AND type = 'job.done'",
          )
          .get(job, gen),
      )!.raw;

    /** Waits for a new refusal with `reason`, then proves the session still runs and nothing moved. */
    async function expectKept(job: string, reason: string, before: number) {
      const state = h.job(job)!.state;
      await waitFor(() => h.rejections(job).length > before, 10_000, `a rejection (${reason}) for ${job}`).catch(() => {
        throw new Error(`no rejection recorded for ${job} (wanted ${reason})\n${h.logs()}`);
      });
      const r = h.rejections(job).slice(before);
      expect(r.map((x) => x.reason)).toEqual([reason]);
      // Post-commit actions run right after the commit; a few sweeps later the session must still be there.
      await h.sweeps(2);
      const s = h.session(job)!;
      expect(s.ended_at, `session of ${job} ended: ${s.end_reason}`).toBeNull();
      expect(await h.sessionAlive(s)).toBe(true);
      expect(h.job(job)!.state).toBe(state);
    }

    it('forged, cross-topic, replayed and stale-generation dones never end it; the real one does', async () => {
      const a = await h.createJob({ backend, script: GATED_AGENT, expect: ['out.txt'] });
      const b = await h.createJob({ backend, script: GATED_AGENT, expect: ['out.txt'] });
      const topicA = topics.events(ns, a.id);
      await h.waitJob(a.id, (j) => j.state === 'running', 'A running');
      await h.waitJob(b.id, (j) => j.state === 'running', 'B running');

      // Generation 1 of A reports done before its artifact exists: committed, blocked, session kept.
      release(h, a.id, 1, 'mam emit job.done --field summary=early');
      await h.waitJob(a.id, (j) => j.state === 'blocked', 'A blocked: out.txt missing');
      const doneGen1 = committedDone(a.id, 1);
      writeFileSync(join(a.workdir, 'out.txt'), 'made by hand\n');

      // 1. Forged: the right kid and job, signed with a key that is not the job's.
      let n = h.rejections(a.id).length;
      const forger = singleKeyring(h.ctx.keyring.activeKid, a.id, randomBytes(32));
      await op.publish(topicA, sealEnvelope(ns, topicA, msg(a.id), forger), { qos: 1 });
      await expectKept(a.id, 'bad_signature', n);

      // 2. Job B's verified done ends B's session only.
      n = h.rejections(a.id).length;
      release(h, b.id, 1, 'echo ok > out.txt; mam emit job.done');
      await h.waitJob(b.id, (j) => j.state === 'done', 'B done');
      await waitFor(() => !!h.session(b.id)?.ended_at, 10_000, 'B session ended');
      expect(await h.sessionAlive(h.session(a.id)!)).toBe(true);
      expect(h.session(a.id)!.ended_at).toBeNull();

      // 3. B's signed done, byte for byte, sent on A's topic: the signature binds B's topic.
      await op.publish(topicA, committedDone(b.id, 1), { qos: 1 });
      await expectKept(a.id, 'bad_signature', n);

      // 4. A done for job B, validly signed for A's topic: the message names another job.
      n = h.rejections(a.id).length;
      await op.publish(topicA, sealEnvelope(ns, topicA, msg(b.id), h.ctx.keyring), { qos: 1 });
      await expectKept(a.id, 'topic_mismatch', n);

      // The operator resumes A: generation 2 replaces generation 1's session.
      const r = await h.mam(['job', 'resume', a.id]);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      await h.waitJob(a.id, (j) => j.gen === 2 && j.state === 'running', 'A gen 2 running');
      const gen1 = h.session(a.id, 1)!;
      expect(gen1.end_reason).toBe('superseded by resume');
      expect(await h.sessionAlive(gen1)).toBe(false);

      // 5. Generation 1's done, replayed byte for byte.
      n = h.rejections(a.id).length;
      await op.publish(topicA, doneGen1, { qos: 1 });
      await expectKept(a.id, 'replay', n);

      // 6. A fresh done stamped with generation 1 (MAM_GEN of the old session), from the job's own seq counter.
      n = h.rejections(a.id).length;
      // Its emitter is told: the snapshot lists the refusal, with its reason.
      const stale = emitEvent(
        { ...operatorIdentity(h.ctx, a.id, 1), sender: 'agent', jobDir: h.ctx.ws.jobDir(a.id) },
        topicA,
        'job.done',
        { summary: 'stale' },
        { wait: true, timeoutMs: 10_000 },
      );
      await expect(stale).rejects.toMatchObject({
        code: 'MAM_ERR_REFUSED',
        message: expect.stringContaining('(wrong_generation)'),
      });
      await expectKept(a.id, 'wrong_generation', n);
      expect(h.job(a.id)!.gen).toBe(2);

      // The real thing: generation 2's own verified done, artifact present → the session ends.
      release(h, a.id, 2, 'mam emit job.done --field summary=finished');
      await h.waitJob(a.id, (j) => j.state === 'done', 'A done in gen 2');
      await waitFor(() => !!h.session(a.id)?.ended_at, 10_000, 'A gen 2 session ended');
      expect(await h.sessionAlive(h.session(a.id)!)).toBe(false);
    });
  },
);
