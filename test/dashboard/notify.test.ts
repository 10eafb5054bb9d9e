/**
 * Notifications against a real host (broker over TLS, reconciler, pty sessions of a fake agent
 * that reports blocked with `mam emit job.blocked`) and local HTTP receivers that check the
 * Standard Webhooks signature on their own: a blocked job is told once, signed, and not again
 * after the notifier restarts; a receiver failing twice gets it on the third try; one that is down
 * while the notifier stops gets it after the next start.
 */
import { randomBytes } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { createNotifier, type Notifier } from '../../dashboard/server/notify/notifier.js';
import { openRegistry, type Registry } from '../../subscriber/registry/registry.js';
import { GATED_AGENT, release, startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

describe('notifications', () => {
  let h: TestHost;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let flaky: Awaited<ReturnType<typeof startReceiver>>;
  // Per job: how many requests about it the flaky receiver still fails.
  const failures = new Map<string, number>();
  let reg: Registry | undefined;
  const notifiers: Notifier[] = [];

  async function startNotifier(): Promise<Notifier> {
    reg ??= openRegistry(h.ctx.ws.db, { readonly: true });
    const n = createNotifier({ ctx: h.ctx, reg: () => reg!, log: silentLogger, tickMs: 100, backoffMs: 200 });
    notifiers.push(n);
    await n.start();
    return n;
  }

  async function blockedJob(id: string, reason: string): Promise<void> {
    await h.createJob({ id, script: GATED_AGENT, backend: 'pty' });
    await h.waitSession(id);
    release(h, id, 1, `mam emit job.blocked --field reason='${reason}'`);
    await h.waitJob(id, (j) => j.state === 'blocked', 'blocked');
  }

  beforeAll(async () => {
    hook = await startReceiver(SECRET);
    flaky = await startReceiver(SECRET, (r) => {
      const job = r.json?.mam?.job as string;
      const left = failures.get(job) ?? 0;
      failures.set(job, left - 1);
      return left > 0 ? 500 : 200;
    });
    h = await startHost({
      config: {
        sessions: { isolation: 'none' },
        notify: {
          dashboardUrl: 'https://127.0.0.1:8443/',
          sinks: [
            { name: 'hook', webhook: { url: hook.url, secretFile: 'notify.secret' } },
            { name: 'flaky', events: ['blocked'], webhook: { url: flaky.url, secretFile: 'notify.secret' } },
          ],
        },
      },
    });
    writeFileSync(join(h.ctx.ws.root, 'notify.secret'), `${SECRET}\n`, { mode: 0o600 });
  });
  afterAll(async () => {
    await Promise.all(notifiers.map((n) => n.close()));
    reg?.close();
    await h?.close();
    await Promise.all([hook?.close(), flaky?.close()]);
  });

  it('a blocked job is told once, signed, with its host, state, reason and link; a restart does not tell it again', {
    timeout: 60_000,
  }, async () => {
    const first = await startNotifier();
    await blockedJob('stuck', 'needs an API key');
    await waitFor(() => hook.about('stuck').length >= 1, 15_000, 'the notification of the blocked job');
    const [got] = hook.about('stuck');
    expect(got!.signatureOk).toBe(true);
    expect(got!.headers['webhook-id']).toMatch(/^msg_/);
    expect(got!.json.mam).toMatchObject({
      kind: 'blocked',
      job: 'stuck',
      host: h.ctx.cfg.host,
      state: 'blocked',
      reason: 'needs an API key',
      gen: 1,
      link: 'https://127.0.0.1:8443/jobs/stuck',
    });
    expect(got!.json.text).toContain('stuck');
    expect(got!.json.blocks[0].text.text).toContain('needs an API key');
    // The job's escalation, found a moment later, is the same fact: still one.
    await sleep(1000);
    expect(hook.about('stuck')).toHaveLength(1);
    expect(first.recent()).toContainEqual(expect.objectContaining({ sink: 'hook', job: 'stuck', ok: true }));

    await first.close();
    const state = join(h.ctx.ws.dir, 'dashboard', 'notify-state.json');
    expect(statSync(state).mode & 0o777).toBe(0o600);
    await startNotifier();
    await sleep(1500);
    expect(hook.about('stuck')).toHaveLength(1);
    expect(flaky.about('stuck').filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('a receiver that answers 500 twice gets the notification on the third try', { timeout: 60_000 }, async () => {
    const n = notifiers.at(-1)!;
    failures.set('retried', 2);
    await blockedJob('retried', 'which database?');
    // Recorded once the answer is read: after the receiver counted it.
    const delivered = () => n.recent().some((d) => d.sink === 'flaky' && d.job === 'retried' && d.ok);
    await waitFor(delivered, 15_000, 'the third try');
    expect(flaky.about('retried').map((r) => r.status)).toEqual([500, 500, 200]);
    expect(flaky.about('retried').every((r) => r.signatureOk)).toBe(true);
    // One id for every try: a receiver can tell a retry from a new notification.
    expect(new Set(flaky.about('retried').map((r) => r.headers['webhook-id'])).size).toBe(1);
    const tries = n.recent().filter((d) => d.sink === 'flaky' && d.job === 'retried');
    expect(tries.map((d) => [d.attempt, d.ok])).toEqual([
      [3, true],
      [2, false],
      [1, false],
    ]);
    expect(tries[1]!.error).toBe('answered HTTP 500');
    expect(hook.about('retried')).toHaveLength(1);
  });

  it('what a receiver did not get before the notifier stopped, it gets after the next start', {
    timeout: 60_000,
  }, async () => {
    failures.set('pending', 1_000);
    await blockedJob('pending', 'waiting for review');
    await waitFor(() => flaky.about('pending').length >= 1, 15_000, 'a first failed try');
    await notifiers.at(-1)!.close();
    failures.set('pending', 0);
    const n = await startNotifier();
    await waitFor(() => n.pending() === 0, 15_000, 'the delivery after the restart');
    expect(flaky.about('pending').at(-1)!.status).toBe(200);
    expect(hook.about('pending')).toHaveLength(1);
  });
});
