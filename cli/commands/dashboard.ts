import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadContext, type Context } from '../../core/context.js';
import { MamError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { writeSecretFile } from '../../core/secret-file.js';
import { issueLogin, type Role } from '../../dashboard/server/logins.js';
import { startDashboard } from '../../dashboard/server/server.js';
import { parseFlags, usage } from '../args.js';
import { alive } from '../daemons.js';
import type { Io } from '../io.js';

/** Where a running dashboard says its pid and URL (0600): `mam dashboard --url` reads it. */
export const dashboardRunFile = (ctx: Context) => join(ctx.ws.runDir, 'dashboard.json');

const NAME = /^[A-Za-z0-9][A-Za-z0-9@._-]{0,63}$/;

/** The running dashboard's URL, or a clear error saying how to start one. */
export function runningDashboard(ctx: Context): { pid: number; url: string } {
  const file = dashboardRunFile(ctx);
  const run = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number; url: string }) : undefined;
  if (!run || !alive(run.pid))
    throw new MamError('DAEMON', 'the dashboard is not running', {
      hint: '`mam up` starts it (unless dashboard.enabled is false), or run `mam dashboard` in a terminal of its own',
    });
  return run;
}

/** `mam dashboard --url`: a one-time login link to the running dashboard. */
function printUrl(ctx: Context, io: Io, role: Role, name: string, json: boolean | undefined): number {
  const { url } = runningDashboard(ctx);
  const ttl = ctx.cfg.dashboard.loginTtlSeconds;
  const link = `${url}/login?t=${issueLogin(ctx.ws, role, name, ttl * 1000)}`;
  if (json) io.out(`${JSON.stringify({ url: link, role, name, expiresInSeconds: ttl })}\n`);
  else io.out(`${link}\n(${role} login for ${name}; works once, within ${ttl} s)\n`);
  return 0;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(
    'dashboard',
    argv,
    {
      url: { type: 'boolean' },
      role: { type: 'string' },
      name: { type: 'string' },
      bind: { type: 'string' },
      port: { type: 'string' },
      json: { type: 'boolean' },
    },
    false,
  );
  const ctx = loadContext(io.cwd, io.env);
  if (values.url) {
    const role = values.role ?? 'reader';
    if (role !== 'reader' && role !== 'operator') throw usage('dashboard', '--role is reader or operator');
    const name = values.name ?? `${io.env.USER ?? 'operator'}@${ctx.cfg.host}`;
    if (!NAME.test(name)) throw usage('dashboard', '--name is letters, digits and @ . _ - (at most 64)');
    return printUrl(ctx, io, role, name, values.json);
  }
  if (values.role || values.name) throw usage('dashboard', '--role and --name go with --url');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
    throw usage('dashboard', `--port must be a port number 0-65535, got "${values.port}"`);
  const log = createLogger({ component: 'dashboard', write: (l) => io.err(`${l}\n`) });
  const dash = await startDashboard(ctx, log, { bind: values.bind, port });
  writeSecretFile(dashboardRunFile(ctx), JSON.stringify({ pid: process.pid, url: dash.url }));
  io.out(
    values.json
      ? `${JSON.stringify({ url: dash.url })}\n`
      : `dashboard at ${dash.url} (\`mam dashboard --url\` gives a login link)\n`,
  );
  await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
  log.info('shutting down', { signal: String(io.signal.reason) });
  await dash.close();
  rmSync(dashboardRunFile(ctx), { force: true });
  return 0;
}
