import { readFileSync, rmSync } from 'node:fs';
import { parseRedisUrl } from '../../broker/cluster.js';
import { workspaceHosts } from '../../broker/host-logins.js';
import { createBroker } from '../../broker/server.js';
import { loadContext } from '../../core/context.js';
import { migrateSharedReconcilerLogin } from '../../core/own-host-login.js';
import { brokerRunFile } from '../../core/endpoint.js';
import { daemonStatsFile } from '../../core/daemon-stats.js';
import { createLogger } from '../../core/logger.js';
import { writeSecretFile } from '../../core/secret-file.js';
import { MamError } from '../../core/errors.js';
import { parseFlags, usage } from '../args.js';
import { portHolder } from '../port-holder.js';
import type { Io } from '../io.js';

function port(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw usage('broker', `--${name} must be a port number 0-65535, got "${v}"`);
  return n;
}

/** A busy port is the user's to resolve: which key sets it, who holds it, what to do. */
async function portInUse(err: NodeJS.ErrnoException & { port?: number }, bind: string, config: string): Promise<never> {
  if (err.code !== 'EADDRINUSE') throw err;
  const holder = err.port ? await portHolder(err.port) : undefined;
  throw new MamError(
    'PORT_IN_USE',
    `port ${err.port ?? '?'} on ${bind} is already in use${holder ? ` by ${holder}` : ''}`,
    {
      hint: `another program (or another workspace's mam broker) listens there: stop it, or give this workspace its own port with \`mam init --port auto\` (or set broker.port in ${config})`,
      cause: err,
    },
  );
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(
    'broker',
    argv,
    {
      port: { type: 'string' },
      bind: { type: 'string' },
      'wss-port': { type: 'string' },
      'plaintext-port': { type: 'string' },
      cluster: { type: 'string' },
      json: { type: 'boolean' },
    },
    false,
  );
  let ctx = loadContext(io.cwd, io.env);
  // A workspace made before per-host logins: its reconciler gets host:<host> (this broker refuses `reconciler`).
  if (!ctx.joined && migrateSharedReconcilerLogin(ctx.ws, ctx.cfg.host)) ctx = loadContext(io.cwd, io.env);
  const bind = values.bind ?? ctx.cfg.broker.bind;
  const log = createLogger({ component: 'broker', write: (l) => io.err(l + '\n') });
  const cluster = values.cluster ?? ctx.cfg.broker.cluster;
  if (cluster) parseRedisUrl(cluster);
  const broker = await createBroker({
    ns: ctx.cfg.namespace,
    credentials: ctx.creds,
    tls: { cert: readFileSync(ctx.ws.serverCert), key: readFileSync(ctx.ws.serverKey) },
    bind,
    port: port('port', values.port) ?? ctx.cfg.broker.port,
    wssPort: port('wss-port', values['wss-port']) ?? ctx.cfg.broker.wssPort,
    plaintextPort: port('plaintext-port', values['plaintext-port']) ?? null,
    maxPacketBytes: ctx.cfg.broker.maxPacketBytes,
    maxTopicLevels: ctx.cfg.broker.maxTopicLevels,
    agentLogin: ctx.cfg.broker.agentLogin,
    cluster: cluster ? { redis: cluster, heartbeatMs: ctx.cfg.broker.clusterHeartbeatMs } : undefined,
    logger: log,
    hosts: workspaceHosts(ctx, log),
    statsFile: daemonStatsFile(ctx.ws.runDir, 'broker'),
  }).catch((err: NodeJS.ErrnoException & { port?: number }) => portInUse(err, bind, ctx.ws.config));
  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  const url = `mqtts://${host.includes(':') ? `[${host}]` : host}:${broker.port}`;
  const runFile = brokerRunFile(ctx.ws);
  writeSecretFile(
    runFile,
    JSON.stringify({ url, pid: process.pid, port: broker.port, wssPort: broker.wssPort ?? null }) + '\n',
  );
  if (values.json)
    io.out(
      JSON.stringify({
        url,
        port: broker.port,
        wssPort: broker.wssPort ?? null,
        plaintextPort: broker.plaintextPort ?? null,
      }) + '\n',
    );
  else io.out(`broker listening on ${url}${broker.wssPort ? ` (wss port ${broker.wssPort})` : ''}\n`);
  // The Redis URL may carry a password: only its host is logged.
  log.info('listening', {
    url,
    wssPort: broker.wssPort,
    plaintextPort: broker.plaintextPort,
    cluster: cluster ? `${parseRedisUrl(cluster).host}:${parseRedisUrl(cluster).port}` : undefined,
  });

  await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
  log.info('shutting down', { signal: String(io.signal.reason) });
  await broker.close();
  // Remove the run file only if it is still ours (a newer broker may have replaced it).
  try {
    if (JSON.parse(readFileSync(runFile, 'utf8')).pid === process.pid) rmSync(runFile, { force: true });
  } catch {
    // already gone
  }
  return 0;
}
