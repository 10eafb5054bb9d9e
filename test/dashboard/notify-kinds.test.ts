/**
 * The kinds beyond blocked, against a real host whose jobs work in real git repositories: a job
 * waiting for approval, then done once approved; a job whose agent gives up (failed), with no retry
 * left (escalated: the agent said a retry would not help) and whose failure opens its agent's circuit breaker (breaker-open). Each is told
 * once, with its reason and the command that resolves it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { createNotifier, type Notifier } from '../../dashboard/server/notify/notifier.js';
import { openRegistry, type Registry } from '../../subscriber/registry/registry.js';
import { git, makeRepo, startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

describe('notification kinds', () => {
  let h: TestHost;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let reg: Registry;
  let notifier: Notifier;
  const kinds = (job: string) => hook.about(job).map((r) => r.json.mam.kind as string);
  const told = (job: string, kind: string) => hook.about(job).find((r) => r.json.mam.kind === kind)?.json.mam;

  async function createIn(id: string, script: string, spec: Record<string, unknown> = {}) {
    const repo = makeRepo();
    writeFileSync(join(repo, '.gitignore'), 'step-*\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'ignore the step files');
    return h.createJob({ id, script, workdir: repo, worktree: false, spec });
  }

  beforeAll(async () => {
    hook = await startReceiver('whsec_unused');
    h = await startHost({
      repos: true,
      config: {
        sessions: { isolation: 'none' },
        breaker: { failures: 1 },
        notify: {
          sinks: [
            {
              webhook: { url: hook.url },
              events: ['blocked', 'failed', 'escalated', 'approval', 'done', 'host-offline', 'breaker-open'],
            },
          ],
        },
      },
    });
    reg = openRegistry(h.ctx.ws.db, { readonly: true });
    notifier = createNotifier({ ctx: h.ctx, reg: () => reg, log: silentLogger, tickMs: 100 });
    await notifier.start();
  });
  afterAll(async () => {
    await notifier?.close();
    reg?.close();
    await h?.close();
    await hook?.close();
  });

  it('a job waiting for approval is told with the command that approves it; once approved, done', {
    timeout: 90_000,
  }, async () => {
    const id = 'wants-ok';
    await createIn(id, 'mam emit job.done --field summary=patched || exit 1\nexec sleep 600\n', { approval: 'human' });
    await waitFor(() => kinds(id).includes('approval'), 30_000, 'the approval notification');
    expect(told(id, 'approval')).toMatchObject({ state: 'review', command: `mam approve ${id}`, host: h.ctx.cfg.host });
    expect(told(id, 'approval').reason).toMatch(/waiting for approval/);
    expect(hook.about(id)[0]!.headers['webhook-signature'], 'no secret: not signed').toBeUndefined();
    expect((await h.mam(['approve', id])).exitCode).toBe(0);
    await waitFor(() => kinds(id).includes('done'), 30_000, 'the done notification');
    await sleep(700);
    expect(kinds(id).sort()).toEqual(['approval', 'done']);
  });

  it('an agent that gives up: failed, escalated (not retried), and its breaker open', { timeout: 90_000 }, async () => {
    const id = 'gives-up';
    await createIn(
      id,
      "mam emit job.failed --field reason='out of ideas' --field retryable=false || exit 1\nexec sleep 600\n",
      { retries: 1 },
    );
    await waitFor(() => kinds(id).length >= 3, 30_000, 'three notifications');
    await sleep(700);
    expect(kinds(id).sort()).toEqual(['breaker-open', 'escalated', 'failed']);
    expect(told(id, 'failed')).toMatchObject({ state: 'failed', reason: 'out of ideas', gen: 1 });
    expect(told(id, 'escalated')).toMatchObject({ escalation: 'retries-exhausted', command: `mam job resume ${id}` });
    expect(told(id, 'breaker-open')).toMatchObject({
      agent: 'command',
      command: `mam breaker reset command --host ${h.ctx.cfg.host}`,
    });
  });
});
