/**
 * The command and ntfy sinks against a real host (broker over TLS, reconciler, a pty session of a
 * fake agent that reports blocked): the command runs without a shell of mam's, with the message as
 * its last argument and in MAM_NOTIFY_* variables; the ntfy topic gets the text with Title, Tags and
 * Click headers; a host whose reconciler stops is told as offline, from its retained status.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { createNotifier, type Notifier } from '../../dashboard/server/notify/notifier.js';
import { openRegistry, type Registry } from '../../subscriber/registry/registry.js';
import { GATED_AGENT, release, startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

// The user's program here is sh: it writes what it was given where the test can read it.
const RECORD =
  'env | grep "^MAM_NOTIFY_" | sort > "$0/$MAM_NOTIFY_KIND-$MAM_NOTIFY_HOST.env"; printf "%s" "$1" > "$0/$MAM_NOTIFY_KIND-$MAM_NOTIFY_HOST.txt"';

describe('notification sinks', () => {
  let h: TestHost;
  let ntfy: Awaited<ReturnType<typeof startReceiver>>;
  let out: string;
  let reg: Registry;
  let notifier: Notifier;

  beforeAll(async () => {
    ntfy = await startReceiver('whsec_unused');
    h = await startHost({ config: { sessions: { isolation: 'none' } } });
    out = join(h.ctx.ws.root, 'notified');
    mkdirSync(out);
    h.tw.patchConfig({
      notify: {
        sinks: [
          { name: 'desktop', events: ['blocked', 'host-offline'], command: ['sh', '-c', RECORD, out] },
          { name: 'phone', events: ['blocked'], ntfy: { url: ntfy.url } },
        ],
      },
    });
    reg = openRegistry(h.ctx.ws.db, { readonly: true });
    notifier = createNotifier({
      ctx: h.tw.context(),
      reg: () => reg,
      log: silentLogger,
      tickMs: 100,
      link: (j) => `https://dash.example/j/${j}`,
    });
    await notifier.start();
  });
  afterAll(async () => {
    await notifier?.close();
    reg?.close();
    await h?.close();
    await ntfy?.close();
  });

  it('a command sink runs with the message as its last argument and in MAM_NOTIFY_* variables; ntfy gets its headers', {
    timeout: 60_000,
  }, async () => {
    const id = 'asks';
    await h.createJob({ id, script: GATED_AGENT, backend: 'pty' });
    await h.waitSession(id);
    release(h, id, 1, `mam emit job.blocked --field reason='which branch; $HOME?'`);
    const file = join(out, `blocked-${h.ctx.cfg.host}`);
    await waitFor(() => notifier.recent().filter((d) => d.ok).length >= 2, 20_000, 'both sinks told');
    const env = Object.fromEntries(
      readFileSync(`${file}.env`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      MAM_NOTIFY_KIND: 'blocked',
      MAM_NOTIFY_JOB: id,
      MAM_NOTIFY_HOST: h.ctx.cfg.host,
      MAM_NOTIFY_STATE: 'blocked',
      MAM_NOTIFY_REASON: 'which branch; $HOME?',
      MAM_NOTIFY_GEN: '1',
      MAM_NOTIFY_URL: `https://dash.example/j/${id}`,
    });
    const text = readFileSync(`${file}.txt`, 'utf8');
    expect(text).toContain(`job ${id} on ${h.ctx.cfg.host} is blocked`);
    expect(text).toContain('why: which branch; $HOME?');

    const [push] = ntfy.got;
    expect(push!.headers.title).toBe(`mam: job ${id} on ${h.ctx.cfg.host} is blocked`);
    expect(push!.headers.tags).toBe('warning,mam,blocked');
    expect(push!.headers.click).toBe(`https://dash.example/j/${id}`);
    expect(push!.body).toContain('why: which branch; $HOME?');
  });

  it('a host whose reconciler stops is told as offline', { timeout: 60_000 }, async () => {
    await h.restartDaemon(async () => {
      await waitFor(
        () => notifier.recent().some((d) => d.kind === 'host-offline' && d.ok),
        15_000,
        'the host-offline notification',
      );
    });
    const env = readFileSync(join(out, `host-offline-${h.ctx.cfg.host}.env`), 'utf8');
    expect(env).toContain('MAM_NOTIFY_STATE=offline');
    expect(env).toContain('MAM_NOTIFY_JOB=\n');
  });
});
