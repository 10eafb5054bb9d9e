/**
 * `mam inbox` as its own process against a real host: oldest first with the command that resolves
 * each; a done without its artifacts is blocked and escalated too; a blocked job that goes on, and
 * a cancelled one, leave the inbox; another host's escalations arrive through its signed messages.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAs } from '../../broker/connect-role.js';
import { sealEnvelope } from '../../core/envelope.js';
import { topics } from '../../core/topics.js';
import { DONE_AGENT, GATED_AGENT, release, startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';

interface Listed {
  job: string;
  host: string;
  kind: string;
  reason: string;
  command: string;
  state: string | null;
}

async function inbox(h: TestHost): Promise<Listed[]> {
  const r = await h.mam(['inbox', '--json']);
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return JSON.parse(String(r.stdout)) as Listed[];
}

const openCount = (h: TestHost) => h.read((reg) => reg.openEscalations().length);

describe('mam inbox', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await startHost({ sweepIntervalMs: 300, config: { sessions: { isolation: 'none' } } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('lists what needs a person oldest first, each with its command, until the job goes on or is cancelled', {
    timeout: 90_000,
  }, async () => {
    const first = await h.createJob({ id: 'asks', script: GATED_AGENT, backend: 'pty' });
    await h.waitSession(first.id);
    release(
      h,
      first.id,
      1,
      "mam emit job.blocked --field reason='which database?'\nwhile [ ! -f answered ]; do sleep 0.05; done\nmam emit job.progress --field message=going",
    );
    await waitFor(() => openCount(h) === 1, 15_000, 'the first escalation');
    // Reported done without its artifact: blocked, and escalated the same way.
    await h.createJob({ id: 'no-artifact', script: DONE_AGENT, expect: ['missing.txt'], backend: 'pty' });
    await h.waitJob('no-artifact', (j) => j.state === 'blocked', 'blocked by the missing artifact');
    await waitFor(() => openCount(h) === 2, 15_000, 'the second escalation');

    expect(await inbox(h)).toEqual([
      expect.objectContaining({
        job: 'asks',
        kind: 'blocked',
        reason: 'which database?',
        command: 'mam job resume asks',
        state: 'blocked',
      }),
      expect.objectContaining({
        job: 'no-artifact',
        kind: 'blocked',
        reason: expect.stringMatching(/expected artifacts are missing: missing\.txt/),
        command: 'mam job resume no-artifact',
      }),
    ]);
    const text = String((await h.mam(['inbox'])).stdout).split('\n');
    expect(text[0]).toMatch(/^asks\s+blocked\s+host=\S+ \d+s ago {2}which database\?$/);
    expect(text[1].trim()).toBe('→ mam job resume asks');
    expect(text[2]).toMatch(/^no-artifact\s+blocked/);
    expect(text[3].trim()).toBe('→ mam job resume no-artifact');

    // The agent goes on by itself: its blocked escalation is no longer true.
    writeFileSync(join(first.workdir, 'answered'), '');
    await h.waitJob(first.id, (j) => j.state === 'running', 'running again');
    await waitFor(() => openCount(h) === 1, 15_000, 'the first escalation cleared');
    const stop = await h.mam(['job', 'stop', 'no-artifact']);
    expect(stop.exitCode, String(stop.stderr)).toBe(0);
    await waitFor(() => openCount(h) === 0, 15_000, 'the second escalation cleared');
    expect(await inbox(h)).toEqual([]);
  });

  it("lists another host's escalations from its reconciler's signed messages, and drops them when it clears them", {
    timeout: 60_000,
  }, async () => {
    const ns = h.ctx.cfg.namespace;
    const op = await h.operator();
    const create = topics.control(ns, 'hostb');
    const at = Date.now();
    const msg = (topic: string, job: string, type: string, sender: string, body: object) =>
      sealEnvelope(
        ns,
        topic,
        { v: 1, ns, job, type, sender, gen: 1, seq: Date.now(), ts: Date.now(), body },
        h.ctx.keyring,
      );
    await op.publish(
      create,
      msg(create, 'remote-1', 'control.create', 'operator', { agent: 'command', launch: false }),
      { qos: 1 },
    );
    await h.waitJob('remote-1', (j) => j.host === 'hostb', 'the remote job known here');

    const topic = topics.escalations(ns, 'remote-1');
    const rec = await connectAs(h.ctx, 'reconciler');
    try {
      const open = {
        job: 'remote-1',
        host: 'hostb',
        kind: 'retries-exhausted',
        reason: 'failed 3 times',
        command: 'mam job resume remote-1',
        at,
      };
      await rec.publish(topic, msg(topic, 'remote-1', 'escalation.open', 'reconciler@hostb', open), {
        qos: 1,
        retain: true,
      });
      await waitFor(() => openCount(h) === 1, 10_000, 'the mirrored escalation');
      const { at: _, ...listed } = open;
      expect(await inbox(h)).toEqual([{ ...listed, state: 'starting', createdAt: at, ageMs: expect.any(Number) }]);
      const cleared = {
        job: 'remote-1',
        host: 'hostb',
        kinds: ['retries-exhausted'],
        reason: 'resumed by operator',
        at: Date.now(),
      };
      await rec.publish(topic, msg(topic, 'remote-1', 'escalation.cleared', 'reconciler@hostb', cleared), {
        qos: 1,
        retain: true,
      });
      await waitFor(() => openCount(h) === 0, 10_000, 'the mirrored escalation cleared');
    } finally {
      await rec.close();
    }
  });
});
