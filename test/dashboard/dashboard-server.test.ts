/**
 * The dashboard's server without a browser: no anonymous access, one-time links, actions refused
 * to readers and to requests without the session's CSRF token or from another origin, the live
 * stream resuming from Last-Event-ID, and /metrics in Prometheus text whose counters move.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsTokenFile } from '../../dashboard/server/metrics-token.js';
import { type RunningDashboard, startDashboardProcess } from '../helpers/dashboard.js';
import { GATED_AGENT, release, startHost, type TestHost } from '../helpers/host/index.js';
import { waitFor } from '../helpers/wait.js';
import { startReceiver } from '../helpers/webhook-receiver.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
let h: TestHost;
let d: RunningDashboard;
let hook: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  hook = await startReceiver(SECRET);
  const sinks = [{ name: 'hook', events: ['blocked'], webhook: { url: hook.url, secretFile: 'hook.secret' } }];
  h = await startHost({ namespace: 'dash', config: { notify: { sinks } } });
  writeFileSync(join(h.ctx.ws.root, 'hook.secret'), `${SECRET}\n`, { mode: 0o600 });
  d = await startDashboardProcess(h);
}, 60_000);
afterAll(async () => {
  await d?.stop();
  await h?.close();
  await hook?.close();
});

const json = (cookie: string, csrf?: string, extra: Record<string, string> = {}) => ({
  cookie,
  'content-type': 'application/json',
  ...(csrf ? { 'x-mam-csrf': csrf } : {}),
  ...extra,
});
const session = async (cookie: string) => JSON.parse((await d.fetch('/api/session', { headers: { cookie } })).body);

/**
 * Prometheus text exposition: every line a comment, blank, or `name{labels} value`; NaN and Inf in
 * any case, as Prometheus' own parser reads them (prom-client writes `Nan`).
 */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const sample =
    /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]?Inf)$/i;
  for (const line of text.split('\n')) {
    if (line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const m = sample.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}
const sum = (m: Map<string, number>, name: string) =>
  [...m].filter(([k]) => k === name || k.startsWith(`${name}{`)).reduce((n, [, v]) => n + v, 0);

/** Reads the live stream from `lastEventId` until `until` appears in it. */
function readLive(cookie: string, lastEventId: number, until: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let got = '';
    const headers = { cookie, 'last-event-id': String(lastEventId) };
    const req = request(`${d.url}/api/live`, { headers, ca: readFileSync(h.ctx.ws.caCert) }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        got += c;
        if (got.includes(until)) {
          req.destroy();
          resolve(got);
        }
      });
    });
    req.on('error', (e) => (got.includes(until) ? resolve(got) : reject(e)));
    req.end();
  });
}

describe('dashboard server', () => {
  it('serves nothing without a login; a link works once; the cookie is HttpOnly, Secure, SameSite=Strict', async () => {
    expect((await d.fetch('/')).status).toBe(401);
    expect((await d.fetch('/api/board')).status).toBe(401);
    expect((await d.fetch('/api/live')).status).toBe(401);
    expect((await d.fetch('/metrics')).status).toBe(401);
    const link = new URL(await d.link('reader'));
    const first = await d.fetch(link.pathname + link.search);
    expect(first.status).toBe(303);
    expect(String(first.headers['set-cookie'])).toMatch(
      /^__Host-mam_session=[^;]+; HttpOnly; Secure; SameSite=Strict; Path=\//,
    );
    expect(first.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect((await d.fetch(link.pathname + link.search)).status).toBe(403);
    expect((await d.fetch('/login?t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(403);
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect((await d.fetch('/api/board', { headers: { cookie } })).status).toBe(200);
    expect((await d.fetch('/api/board', { headers: { cookie: `${cookie}x` } })).status).toBe(401);
    // Pending links are kept as hashes only, in a private folder.
    expect(statSync(join(h.ctx.ws.dir, 'dashboard', 'logins')).mode & 0o777).toBe(0o700);
  });

  it('refuses actions from a reader, without the CSRF token, or from another origin; an operator stops a job', async () => {
    const { id } = await h.createJob({ script: GATED_AGENT });
    await h.waitJob(id, (j) => j.state === 'running', 'running');
    const stop = (headers: Record<string, string>, body = '{}') =>
      d.fetch(`/api/jobs/${id}/stop`, { method: 'POST', headers, body });
    const reader = await d.login('reader');
    expect((await stop(json(reader, (await session(reader)).csrf))).status).toBe(403);
    const op = await d.login('operator', 'alice');
    const csrf = (await session(op)).csrf as string;
    expect((await stop(json(op))).status).toBe(403);
    expect((await stop(json(op, `${csrf.slice(1)}x`))).status).toBe(403);
    expect((await stop(json(op, csrf, { origin: 'https://evil.example' }))).status).toBe(403);
    expect(h.job(id)!.state).toBe('running');
    const ok = await stop(json(op, csrf), '{"reason":"from a test"}');
    expect(ok.status, ok.body).toBe(200);
    const j = await h.waitJob(id, (x) => x.state === 'cancelled', 'cancelled');
    expect(j.reason).toMatch(/from a test/);
    const ev = h.read((reg) => reg.jobTimeline(id)).find((e) => e.type === 'job.cancelled')!;
    expect(ev.sender).toBe('operator@testhost');
    expect(ev.body).toMatchObject({ by: 'dashboard:alice' });
    const file = join(h.ctx.ws.dir, 'dashboard', 'actions.log');
    const log = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log).toContainEqual(expect.objectContaining({ by: 'alice', role: 'operator', action: 'stop', target: id }));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('lists the hosts as `mam hosts` does: this one online, with its capacity and breakers', async () => {
    const cookie = await d.login('reader');
    await waitFor(
      async () => {
        const hosts = JSON.parse((await d.fetch('/api/hosts', { headers: { cookie } })).body);
        return hosts.some((x: { host: string; status: string }) => x.host === 'testhost' && x.status === 'online');
      },
      10_000,
      'this host online on the dashboard',
    );
    const hosts = JSON.parse((await d.fetch('/api/hosts', { headers: { cookie } })).body);
    const cli = JSON.parse(String((await h.mam(['hosts', '--json'])).stdout));
    const self = hosts.find((x: { host: string }) => x.host === 'testhost');
    expect(self).toMatchObject({ status: 'online', breakers: [] });
    expect(typeof self.running).toBe('number');
    expect(hosts.map((x: { host: string }) => x.host)).toEqual(cli.map((x: { host: string }) => x.host));
  });

  it('the live stream replays what a reconnecting page missed, from Last-Event-ID', async () => {
    const cookie = await d.login('reader');
    const last = h.read((reg) => reg.lastEventId());
    const { id } = await h.createJob({});
    await h.waitJob(id, (j) => j.state === 'done', 'done');
    const stream = await readLive(cookie, last, '"type":"job.done"');
    const ids = [...stream.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...ids)).toBe(last + 1);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(stream).toContain(`"job":"${id}"`);
  });

  it('/metrics is Prometheus text (a bearer token or a login) and its counters move', async () => {
    const token = readFileSync(metricsTokenFile(h.ctx.ws), 'utf8').trim();
    expect(statSync(metricsTokenFile(h.ctx.ws)).mode & 0o777).toBe(0o600);
    expect((await d.fetch('/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const scrape = async () => {
      const r = await d.fetch('/metrics', { headers: { authorization: `Bearer ${token}` } });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/plain/);
      return parseMetrics(r.body);
    };
    const before = await scrape();
    const { id } = await h.createJob({});
    await h.waitJob(id, (j) => j.state === 'done', 'done');
    const launches = (m: Map<string, number>) => sum(m, 'mam_session_launches_total');
    await waitFor(async () => launches(await scrape()) > launches(before), 10_000, 'the launch to be counted');
    const after = await scrape();
    expect(sum(after, 'mam_events_committed_total')).toBeGreaterThanOrEqual(
      sum(before, 'mam_events_committed_total') + 2,
    );
    expect(after.get('mam_jobs{state="done"}')).toBeGreaterThan(before.get('mam_jobs{state="done"}') ?? 0);
    expect(after.has('mam_queue_length')).toBe(true);
    // The daemons' own counters: the reconciler's messages and commits, the broker's clients.
    await waitFor(
      async () => sum(await scrape(), 'mam_reconciler_batches_total') > sum(before, 'mam_reconciler_batches_total'),
      15_000,
      'the reconciler to write its counters',
    );
    const daemons = await scrape();
    expect(daemons.get('mam_events_received_total')).toBeGreaterThan(0);
    expect(daemons.get('mam_reconciler_commit_seconds_total')).toBeGreaterThan(0);
    expect(daemons.get('mam_broker_connections')).toBeGreaterThanOrEqual(1);
    expect(daemons.get('mam_daemon_up{daemon="reconciler"}')).toBe(1);
  });

  it("the dashboard daemon's notifier tells a blocked job to a webhook once, signed, with a link to the job's page", async () => {
    const { id } = await h.createJob({ script: GATED_AGENT });
    await h.waitSession(id);
    release(h, id, 1, `mam emit job.blocked --field reason='needs a staging database'`);
    await h.waitJob(id, (j) => j.state === 'blocked', 'blocked');
    await waitFor(() => hook.about(id).length === 1, 15_000, 'the notification of the blocked job');
    const [got] = hook.about(id);
    expect(got!.signatureOk).toBe(true);
    expect(got!.json.mam).toMatchObject({ job: id, host: 'testhost', state: 'blocked', kind: 'blocked' });
    expect(got!.body).toContain('needs a staging database');
    expect(got!.body).toContain(`${d.url}/#/job/${id}`);
    const cookie = await d.login('reader');
    const seen = JSON.parse((await d.fetch('/api/notifications', { headers: { cookie } })).body);
    expect(seen.recent).toContainEqual(expect.objectContaining({ sink: 'hook', job: id, kind: 'blocked', ok: true }));
    // Told once: later sweeps and reads of the registry tell nothing more.
    await h.sweeps(2);
    expect(hook.about(id)).toHaveLength(1);
  });
});
