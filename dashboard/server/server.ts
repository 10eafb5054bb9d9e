import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Context } from '../../core/context.js';
import { MamError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { packageRoot } from '../../core/package-root.js';
import { openRegistry, type Registry } from '../../subscriber/registry/registry.js';
import { createActions } from './actions.js';
import { followBroker } from './follow-broker.js';
import { cookie, send, sendError } from './http-kit.js';
import { createLive } from './live.js';
import { createSessions, csrfMatches, redeemLogin, type DashboardSession } from './logins.js';
import { createMetrics } from './metrics.js';
import { createNotifier } from './notify/notifier.js';
import { metricsToken, metricsTokenMatches } from './metrics-token.js';
import { createReadApi } from './read-api.js';
import { createReadViews } from './read-views.js';
import { handleApi } from './routes.js';

export const SESSION_COOKIE = '__Host-mam_session';

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mam dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script></head><body><div id="app">loading…</div></body></html>`;
const LOGGED_OUT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mam dashboard</title></head>
<body><h1>Not logged in</h1><p>Ask for a login link on the host: <code>mam dashboard --url</code>
(add <code>--role operator</code> to act). Each link works once.</p></body></html>`;
const ASSETS: Record<string, string> = { '/assets/app.js': 'text/javascript', '/assets/app.css': 'text/css' };

export interface DashboardServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * The dashboard: HTTPS with the workspace's server certificate (issued by the workspace CA),
 * no anonymous access (one-time login links → an HttpOnly, SameSite=Strict cookie), reads of the
 * registry opened read-only, live pushes over SSE, and operator actions through the CLI's signed
 * paths; and the notifier, which tells the configured sinks what needs a person.
 */
export async function startDashboard(
  ctx: Context,
  log: Logger,
  o: { bind?: string; port?: number } = {},
): Promise<DashboardServer> {
  if (!existsSync(ctx.ws.serverCert))
    throw new MamError(
      'CONFIG_INVALID',
      `the dashboard needs the workspace's server certificate (${ctx.ws.serverCert})`,
      { hint: 'run the dashboard on the host that runs the broker (`mam init` made the certificate there)' },
    );
  if (!existsSync(ctx.ws.db))
    throw new MamError('REGISTRY_MISSING', `no job registry yet at ${ctx.ws.db}`, {
      hint: 'start the reconciler first (`mam up`)',
    });
  // Made now, so a Prometheus scraper can be given it before its first scrape.
  metricsToken(ctx.ws);
  let registry: Registry | undefined;
  const reg = () => (registry ??= openRegistry(ctx.ws.db, { readonly: true }));
  const live = createLive(reg, log);
  const broker = await followBroker(ctx, log, () => live.wake());
  broker.onHost((h) => live.broadcast('host', h));
  let origin = '';
  // Links in notifications go to the job's page: the configured address, else where this server listens.
  const base = () => ctx.cfg.notify.dashboardUrl?.replace(/\/+$/, '') ?? origin;
  const notifier = createNotifier({ ctx, reg, log, link: (job) => `${base()}/#/job/${encodeURIComponent(job)}` });
  const sessions = createSessions(ctx.cfg.dashboard.sessionHours * 3_600_000);
  const parts = {
    read: createReadApi(ctx, reg),
    views: createReadViews(ctx, reg, broker.hosts),
    actions: createActions(ctx, reg),
    notifications: () => ({ sinks: notifier.sinks(), pending: notifier.pending(), recent: notifier.recent() }),
  };
  const metrics = createMetrics(reg, live.clients, ctx.ws.runDir);
  const assetsDir = join(packageRoot(), 'dist', 'dashboard', 'web');

  // An action must come from the page itself: an operator login, the session's CSRF token in a
  // header (a cross-site form cannot set one) and, when the browser names it, our own origin.
  const actRefusal = (who: DashboardSession, req: IncomingMessage) => () => {
    if (who.role !== 'operator')
      return 'this login can only look: ask for an operator link (`mam dashboard --url --role operator`)';
    if (!csrfMatches(who, req.headers['x-mam-csrf'] as string | undefined)) return 'missing or wrong CSRF token';
    if (req.headers.origin !== undefined && req.headers.origin !== origin) return 'cross-origin request refused';
    return undefined;
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/login' && req.method === 'GET') {
      const login = redeemLogin(ctx.ws, url.searchParams.get('t') ?? '');
      if (!login)
        return sendError(
          res,
          403,
          'this login link is unknown, used or expired',
          'ask for a new one: `mam dashboard --url`',
        );
      const { id, session } = sessions.open(login);
      log.info('dashboard login', { name: session.name, role: session.role });
      const maxAge = Math.floor((session.expires - Date.now()) / 1000);
      return send(res, 303, 'text/plain', 'logged in', {
        location: '/',
        'set-cookie': `${SESSION_COOKIE}=${id}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=${maxAge}`,
      });
    }
    if (url.pathname === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    const who = sessions.get(cookie(req, SESSION_COOKIE));
    if (url.pathname === '/metrics' && (who || metricsTokenMatches(ctx.ws, req.headers.authorization)))
      return send(res, 200, metrics.contentType, await metrics.metrics());
    if (!who)
      return url.pathname === '/'
        ? send(res, 401, 'text/html; charset=utf-8', LOGGED_OUT)
        : sendError(res, 401, 'not logged in', 'open a link from `mam dashboard --url`');
    if (url.pathname === '/' && req.method === 'GET') return send(res, 200, 'text/html; charset=utf-8', PAGE);
    const asset = ASSETS[url.pathname];
    if (asset) return send(res, 200, asset, readFileSync(join(assetsDir, url.pathname.slice('/assets/'.length))));
    if (url.pathname === '/api/session')
      return send(
        res,
        200,
        'application/json',
        JSON.stringify({ name: who.name, role: who.role, csrf: who.csrf, host: ctx.cfg.host }),
      );
    if (url.pathname === '/api/live')
      return live.attach(
        res,
        (req.headers['last-event-id'] as string | undefined) ?? url.searchParams.get('from') ?? undefined,
      );
    return handleApi(parts, who, req, url, res, actRefusal(who, req));
  }

  const server = createServer(
    { cert: readFileSync(ctx.ws.serverCert), key: readFileSync(ctx.ws.serverKey), minVersion: 'TLSv1.2' },
    (req, res) => {
      handle(req, res).catch((err: Error) => {
        log.error('dashboard request failed', { path: req.url?.split('?')[0], error: err.message });
        if (!res.headersSent) sendError(res, 500, 'internal error', 'the dashboard log has the details');
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? ctx.cfg.dashboard.port, o.bind ?? ctx.cfg.dashboard.bind, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  origin = `https://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${a.port}`;
  await notifier.start();
  return {
    url: origin,
    server,
    async close() {
      await notifier.close();
      live.close();
      await broker.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      registry?.close();
    },
  };
}
