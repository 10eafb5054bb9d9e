import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAs } from '../../broker/connect-role.js';
import { loadContext, type Context } from '../../core/context.js';
import { brokerRunFile } from '../../core/endpoint.js';
import { openEnvelope } from '../../core/envelope.js';
import { topics } from '../../core/topics.js';
import { parseFlags } from '../args.js';
import { logFile, startDaemon, waitFor } from '../daemons.js';
import type { Io } from '../io.js';

/** True once the reconciler's retained status says online with this pid. */
async function reconcilerOnline(ctx: Context, pid: number, ms: number): Promise<boolean> {
  const client = await connectAs(ctx, 'reader');
  try {
    const topic = topics.status(ctx.cfg.namespace, ctx.cfg.host);
    const online = new Promise<boolean>((resolve) => {
      client.mqtt.on('message', (t, payload) => {
        try {
          const body = openEnvelope(ctx.cfg.namespace, t, payload, ctx.keyring, 1 << 16).msg.body as {
            status: string;
            pid: number;
          };
          if (body.status === 'online' && body.pid === pid) resolve(true);
        } catch {
          // unverifiable status: keep waiting
        }
      });
      setTimeout(() => resolve(false), ms);
    });
    await client.mqtt.subscribeAsync(topic, { qos: 1 });
    return await online;
  } finally {
    await client.close();
  }
}

type Started = { pid: number; started: boolean };

/**
 * The dashboard, when enabled (or notification sinks need its notifier) and this host has the
 * server certificate it serves with.
 */
async function upDashboard(
  ctx: Context,
  env: NodeJS.ProcessEnv,
  say: (t: string) => void,
): Promise<Started | undefined> {
  const wanted = ctx.cfg.dashboard.enabled || ctx.cfg.notify.sinks.length > 0;
  if (!wanted || !existsSync(ctx.ws.serverCert)) return undefined;
  const d = startDaemon(ctx.ws, 'dashboard', env);
  const file = join(ctx.ws.runDir, 'dashboard.json');
  const runs = () => existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).pid === d.pid;
  await waitFor(ctx.ws, 'dashboard', runs, 15_000);
  const url = (JSON.parse(readFileSync(file, 'utf8')) as { url: string }).url;
  say(
    `dashboard  ${d.started ? 'started' : 'already running'} (pid ${d.pid}) at ${url}; \`mam dashboard --url\` to log in\n`,
  );
  return d;
}

export async function up(
  io: Io,
  quiet = false,
): Promise<{ broker?: Started; reconciler: Started; dashboard?: Started }> {
  let ctx = loadContext(io.cwd, io.env);
  const say = (t: string) => quiet || io.out(t);
  let broker: { pid: number; started: boolean } | undefined;
  if (!ctx.cfg.broker.url) {
    broker = startDaemon(ctx.ws, 'broker', io.env);
    const pid = broker.pid;
    await waitFor(
      ctx.ws,
      'broker',
      () => existsSync(brokerRunFile(ctx.ws)) && JSON.parse(readFileSync(brokerRunFile(ctx.ws), 'utf8')).pid === pid,
      15_000,
    );
    ctx = loadContext(io.cwd, io.env);
    say(
      `broker     ${broker.started ? 'started' : 'already running'} (pid ${pid}) at ${ctx.endpoint.url}; log ${logFile(ctx.ws, 'broker')}\n`,
    );
  } else {
    say(`broker     external: ${ctx.cfg.broker.url}\n`);
  }
  const reconciler = startDaemon(ctx.ws, 'reconciler', io.env);
  const c = ctx;
  await waitFor(ctx.ws, 'reconciler', () => reconcilerOnline(c, reconciler.pid, 1000), 20_000);
  say(
    `reconciler ${reconciler.started ? 'started' : 'already running'} (pid ${reconciler.pid}) for host ${ctx.cfg.host}; log ${logFile(ctx.ws, 'reconciler')}\n`,
  );
  const dashboard = await upDashboard(ctx, io.env, say);
  return { broker, reconciler, dashboard };
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags('up', argv, { json: { type: 'boolean' } }, false);
  const r = await up(io, values.json);
  if (values.json) io.out(JSON.stringify(r) + '\n');
  return 0;
}
