import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { Aedes, type Client } from 'aedes';
import { startStatsWriter } from '../core/daemon-stats.js';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { createHash } from 'node:crypto';
import { agentJobOf, agentLogin, type CredentialFile } from '../core/credentials.js';
import { hostAgentSecret } from '../core/host-identity.js';
import { safeEqual } from '../core/keys.js';
import type { Logger } from '../core/logger.js';
import { canForward, canPublish, canSubscribe, type Principal } from './acl.js';
import { createAuthenticator } from './authenticate.js';
import type { HostLogins } from './host-logins.js';
import type { JobOwners } from './job-owners.js';
import { mayUseClientId } from './client-ids.js';
import { guardConnection } from './packet-size-guard.js';
import { createPersistence } from './persistence.js';
import { createClusterBackend, dropStaleWills } from './cluster.js';

export interface BrokerOptions {
  ns: string;
  credentials: CredentialFile;
  tls: { cert: string | Buffer; key: string | Buffer };
  bind: string;
  port: number;
  /** WebSocket-over-TLS listener for browsers; off when null/undefined */
  wssPort?: number | null;
  /** plaintext MQTT on loopback only, for local debugging; off unless set */
  plaintextPort?: number | null;
  maxPacketBytes: number;
  maxTopicLevels: number;
  /** "shared": the one `agent` login is accepted besides the per-job ones (external-broker setups); default per-job */
  agentLogin?: 'per-job' | 'shared';
  /** one node of a cluster sharing this Redis (redis://host:port[/db]); a single in-memory node when unset */
  cluster?: { redis: string; heartbeatMs: number };
  logger: Logger;
  /** per-host logins (hosts.json; every host's reconciler, the admin's own too) and the job ownership their ACL follows */
  hosts: { logins: HostLogins; owners: JobOwners };
  /** where to keep the broker's counters (connected clients) for the dashboard's /metrics */
  statsFile?: string;
}

export interface RunningBroker {
  port: number;
  wssPort?: number;
  plaintextPort?: number;
  close(): Promise<void>;
}

const principals = new WeakMap<Client, Principal>();

function listen(server: NetServer | TlsServer | HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A refusal Aedes answers with return code 5, "not authorized" (a CONNACK, or the dropped connection of a publish). */
function denied(what: string): Error & { returnCode: 5 } {
  return Object.assign(new Error(what), { returnCode: 5 as const });
}

/** An agent login of a job owned by a joined host: its password derives from that host's agent secret. */
function hostAgent(opts: BrokerOptions, username?: string, password?: Buffer): Principal | undefined {
  const job = username ? agentJobOf(username) : undefined;
  const owner = job !== undefined ? opts.hosts.owners.ownerOf(job) : undefined;
  if (!owner || !password || opts.hosts.logins.isRevoked(owner)) return undefined;
  const cf = { ...opts.credentials, agentSecret: hostAgentSecret(opts.credentials.agentSecret, owner) };
  const want = createHash('sha256').update(agentLogin(cf, job!).password).digest();
  return safeEqual(createHash('sha256').update(password).digest(), want) ? { role: 'agent', job } : undefined;
}

/** Starts the embedded Aedes broker: TLS only by default, every client authenticated and confined by ACL. */
export async function createBroker(opts: BrokerOptions): Promise<RunningBroker> {
  const log = opts.logger;
  const authenticate = createAuthenticator(opts.credentials, opts.agentLogin ?? 'per-job');
  const cluster = opts.cluster
    ? await createClusterBackend(opts.cluster.redis, opts.cluster.heartbeatMs, (err) =>
        log.warn('cluster Redis unreachable; retrying', { error: err.message }),
      )
    : undefined;
  const aedes = await Aedes.createBroker({
    ...(cluster
      ? { mq: cluster.mq, persistence: cluster.persistence, heartbeatInterval: cluster.heartbeatInterval }
      : { persistence: createPersistence() }),
    maxTopicLevels: opts.maxTopicLevels,
    maxClientsIdLength: 128,
    authenticate(client, username, password, done) {
      const host = username && password ? opts.hosts.logins.authenticate(username, password) : undefined;
      const p: Principal | undefined =
        host ??
        authenticate(username ?? undefined, password ?? undefined) ??
        hostAgent(opts, username ?? undefined, password ?? undefined);
      if (!p) {
        log.warn('login refused', { clientId: client.id, username: username ?? null });
        return done(Object.assign(new Error('bad username or password'), { returnCode: 4 }), false);
      }
      // A client id is part of the identity: another login's id would take over its session.
      if (!mayUseClientId(p, opts.ns, client.id)) {
        log.warn('client id refused', { clientId: client.id, role: p.role, username: username ?? null });
        return done(denied('client id not authorized for this login'), false);
      }
      principals.set(client, p);
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      const p = client ? principals.get(client) : undefined;
      // client null: the broker's own publishes (none in mam), never from the wire
      if (!client) return done(null);
      const revoked = p?.role === 'host' && opts.hosts.logins.isRevoked(p.host!);
      if (
        !p ||
        revoked ||
        !canPublish(p, opts.ns, packet.topic, opts.hosts.owners.ownerOf) ||
        packet.payload.length > opts.maxPacketBytes
      ) {
        log.warn('publish refused', { clientId: client.id, role: p?.role, topic: packet.topic });
        return done(denied('publish not authorized'));
      }
      opts.hosts.owners.observe(packet.topic, packet.payload as Buffer);
      done(null);
    },
    authorizeSubscribe(client, sub, done) {
      const p = principals.get(client);
      if (!p || !canSubscribe(p, opts.ns, sub.topic, opts.hosts.owners.ownerOf)) {
        log.warn('subscribe refused', { clientId: client.id, role: p?.role, topic: sub.topic });
        // a null subscription yields SUBACK 0x80 (failure) without dropping the connection
        return done(null, null);
      }
      done(null, sub);
    },
    // Least privilege on reads: a joined host's wildcard reaches only its own jobs, its control and the statuses.
    authorizeForward(client, packet) {
      const p = principals.get(client);
      if (p?.role === 'host' && opts.hosts.logins.isRevoked(p.host!)) return null;
      return canForward(p, opts.ns, packet.topic, opts.hosts.owners.ownerOf) ? packet : null;
    },
  });
  if (cluster)
    dropStaleWills(aedes, cluster.persistence, (err) => log.warn('stale will not removed', { error: err.message }));
  // A store that fails (a cluster's Redis gone) is reported, never a crash: Aedes emits it as 'error'.
  (aedes as unknown as import('node:events').EventEmitter).on('error', (err: Error) =>
    log.error('broker store failed', { error: err.message }),
  );
  aedes.on('clientError', (client, err) => log.debug('client error', { clientId: client.id, error: err.message }));
  aedes.on('connectionError', (_client, err) => log.debug('connection error', { error: err.message }));

  // Every stream reaches Aedes through the size guard, whatever the transport.
  const handle = (stream: Duplex) => {
    aedes.handle(
      guardConnection(stream, opts.maxPacketBytes, (err) => log.warn('connection dropped', { error: err.message })),
    );
  };
  // Raw sockets of every listener, so close() can end those that never became MQTT clients
  // (a TLS handshake or CONNECT still pending) instead of waiting on them.
  const sockets = new Set<Duplex>();
  const track = (server: NetServer | TlsServer | HttpsServer) =>
    server.on('connection', (s: Duplex) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });

  const tlsServer = createTlsServer(
    { cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2', noDelay: true },
    (s) => handle(s),
  );
  track(tlsServer);
  tlsServer.on('tlsClientError', (err) => log.debug('tls handshake failed', { error: err.message }));
  const closers: Array<() => Promise<void>> = [];
  const result: RunningBroker = { port: await listen(tlsServer, opts.port, opts.bind), close: async () => {} };
  closers.push(() => new Promise((r) => tlsServer.close(() => r())));

  if (opts.wssPort !== undefined && opts.wssPort !== null) {
    const https = createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' });
    track(https);
    const wss = new WebSocketServer({ server: https, maxPayload: opts.maxPacketBytes });
    wss.on('connection', (ws) => {
      handle(createWebSocketStream(ws));
    });
    result.wssPort = await listen(https, opts.wssPort, opts.bind);
    closers.push(
      () =>
        new Promise((r) => {
          wss.close();
          https.close(() => r());
        }),
    );
  }
  if (opts.plaintextPort !== undefined && opts.plaintextPort !== null) {
    const plain = createNetServer((s) => handle(s));
    track(plain);
    // Plaintext never leaves loopback: credentials would cross the wire in clear.
    result.plaintextPort = await listen(plain, opts.plaintextPort, '127.0.0.1');
    log.warn('plaintext MQTT listener enabled on loopback; credentials travel unencrypted', {
      port: result.plaintextPort,
    });
    closers.push(() => new Promise((r) => plain.close(() => r())));
  }

  const stopStats = opts.statsFile
    ? startStatsWriter(opts.statsFile, () => ({ clients: aedes.connectedClients }))
    : undefined;
  let closed = false;
  result.close = async () => {
    if (closed) return;
    closed = true;
    stopStats?.();
    await new Promise<void>((r) => aedes.close(() => r()));
    await cluster?.destroy();
    for (const s of sockets) s.destroy();
    await Promise.all(closers.map((c) => c()));
  };
  return result;
}
