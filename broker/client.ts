import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { IClientOptions, MqttClient } from 'mqtt';
// The client class alone: mqtt's URL-based connect() also loads every transport
// (SOCKS proxy support included), a third of a short-lived `mam emit`'s start-up.
import clientModule from 'mqtt/lib/client';
import { MamError } from '../core/errors.js';
import { newClientId } from './client-ids.js';

const MqttClientClass =
  (clientModule as unknown as { default: typeof MqttClient }).default ?? (clientModule as unknown as typeof MqttClient);

export interface ClientOptions {
  /** mqtts://host:port, or the nodes of a clustered broker comma-separated: a lost connection goes on at the next */
  url: string;
  /** PEM of the CA the broker's certificate must chain to (pinned: the system store is not used) */
  ca: string | Buffer;
  username: string;
  password: string;
  /** fixed id for durable sessions (clean: false); otherwise a fresh one of the login's form (broker/client-ids.ts) */
  clientId?: string;
  clean?: boolean;
  will?: IClientOptions['will'];
  /** MQTT keepalive; a broker ends a silent connection (and publishes its will) after 1.5 × this */
  keepaliveSeconds?: number;
  /** 0 disables reconnecting (one-shot CLI commands fail fast) */
  reconnectMs?: number;
  connectTimeoutMs?: number;
  /** publishes awaiting PUBACK at once; more wait their turn */
  maxInflight?: number;
  /** false for short-lived clients: skips mqtt-packet's 65,536-entry number cache (start-up time, GC) */
  writeCache?: boolean;
  /** called with the client before it connects, e.g. to install a message handler */
  prepare?: (client: MqttClient) => void;
}

export interface MeshClient {
  mqtt: MqttClient;
  /** Publishes and resolves on PUBACK (QoS 1) or on write (QoS 0), bounded by maxInflight. */
  publish(topic: string, payload: Buffer | string, opts?: { qos?: 0 | 1; retain?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** OpenSSL's verdicts on a certificate the pinned CA does not vouch for (node's error codes). */
const NOT_OURS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

/** What to do about a broker whose certificate failed verification: the usual cause for each verdict. */
function untrusted(code: string, url: string): string | undefined {
  if (NOT_OURS.has(code)) {
    return (
      `the broker at ${url} presents a certificate this workspace's CA did not issue: it is another workspace's broker (or another server)` +
      ' — check broker.port and broker.url in .mam/config.json (`mam init --port auto` picks a free port), or set broker.caFile for an external broker'
    );
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return `the broker's certificate at ${url} is outside its validity (${code}): \`mam doctor\` shows its dates; check this machine's clock`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `the broker's certificate does not name the host of ${url}: add the name with \`mam init --force --san <name>\` and restart the broker`;
  return undefined;
}

function refusal(err: Error & { code?: string | number }, url: string): MamError {
  const code = err.code;
  const why = typeof code === 'string' ? untrusted(code, url) : undefined;
  if (why)
    return new MamError('BROKER_UNTRUSTED', `refused the broker at ${url}: ${err.message}`, { hint: why, cause: err });
  if (code === 4 || code === 5 || /not authorized|bad user/i.test(err.message)) {
    return new MamError('BROKER_REFUSED', `broker at ${url} refused the login: ${err.message}`, {
      hint: 'check the workspace credentials (.mam/credentials.json) match the broker, or run `mam doctor`',
      cause: err,
    });
  }
  return new MamError('BROKER_UNREACHABLE', `cannot connect to the broker at ${url}: ${err.message}`, {
    hint: 'start it with `mam up` (or `mam broker`), or check broker.url in .mam/config.json; `mam doctor` tells more',
    cause: err,
  });
}

function parseBrokerUrl(raw: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    u = new URL('invalid:');
  }
  if (u.protocol !== 'mqtts:' || !u.hostname) {
    throw new MamError('CONFIG_INVALID', `broker URL "${raw}" is not mqtts://host:port`, {
      hint: 'mam connects over TLS only: set broker.url to mqtts://host:port',
    });
  }
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 8883) };
}

/** The one MQTT client factory: every part of mam connects through here. */
export async function connectClient(opts: ClientOptions): Promise<MeshClient> {
  const reconnect = opts.reconnectMs ?? 1000;
  const options: IClientOptions = {
    protocolVersion: 4, // MQTT 3.1.1: the embedded broker speaks nothing newer
    ca: opts.ca,
    rejectUnauthorized: true,
    username: opts.username,
    password: opts.password,
    clientId: opts.clientId ?? newClientId(opts.username),
    clean: opts.clean ?? true,
    will: opts.will,
    reconnectPeriod: reconnect,
    connectTimeout: opts.connectTimeoutMs ?? 10_000,
    keepalive: opts.keepaliveSeconds ?? 30,
    // A ping every keepalive/2 whatever the traffic: moving the timer on every acknowledgement costs more.
    reschedulePings: false,
    resubscribe: true,
    writeCache: opts.writeCache ?? true,
    // mqtt.js traces every packet through `debug`, which costs even when off; DEBUG=mqttjs* still turns it on.
    ...(/mqttjs/.test(process.env.DEBUG ?? '') ? {} : { log: () => {} }),
  };
  const urls = opts.url.split(',').map(parseBrokerUrl);
  // Durable daemons wait out a broker that is not up yet; everyone else fails fast. A refused login never retries.
  const retry = reconnect > 0 && opts.clean === false;
  // One-shot clients try each node once in turn; durable ones go round the list at every reconnect.
  if (!retry && urls.length > 1) {
    let last: unknown;
    for (const [i] of urls.entries()) {
      try {
        return await connectClient({ ...opts, url: opts.url.split(',')[i] as string });
      } catch (err) {
        if (!(err instanceof MamError) || err.code !== 'MAM_ERR_BROKER_UNREACHABLE') throw err;
        last = err;
      }
    }
    throw last;
  }
  let turn = 0;
  // mqtts only: every mam connection is TLS with the CA pinned (no system trust store), verified by OpenSSL.
  const client = new MqttClientClass(() => {
    // A node that dropped the connection (or never took it) is likely gone: the next one is tried.
    const url = urls[turn++ % urls.length] as { host: string; port: number };
    return tlsConnect({
      host: url.host,
      port: url.port,
      ca: opts.ca,
      rejectUnauthorized: true,
      // SNI takes names only; an IP address is checked against the certificate's IP SANs.
      servername: isIP(url.host) ? undefined : url.host,
      // Without it a packet written in two pieces waits out the broker's delayed ACK (≈ 40 ms).
    }).setNoDelay(true);
  }, options);
  // Before the first packet: a persistent session's backlog can arrive with the CONNACK.
  opts.prepare?.(client);
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
      if (!err) return resolve();
      client.end(true);
      reject(refusal(err, opts.url));
    };
    const onConnect = () => done();
    const onError = (err: Error & { code?: string | number }) => {
      if (!retry || err.code === 4 || err.code === 5) done(err);
    };
    const onClose = () => {
      if (!retry) done(new Error('connection closed before the broker accepted it'));
    };
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
  });
  // Reconnect errors are reported through the log of whoever owns the client, never thrown.
  client.on('error', () => {});

  const limit = Math.max(1, opts.maxInflight ?? 256);
  let inflight = 0;
  const waiting: Array<() => void> = [];
  const acquire = () =>
    inflight < limit
      ? (inflight++, Promise.resolve())
      : new Promise<void>((r) => waiting.push(() => (inflight++, r())));
  const release = () => {
    inflight--;
    waiting.shift()?.();
  };

  // Without reconnects a lost connection (e.g. the broker dropping a refused
  // publish) would leave publishes pending forever: fail them instead.
  const lost = new Set<(err: Error) => void>();
  let gone: MamError | undefined;
  if (reconnect === 0) {
    client.on('close', () => {
      gone = new MamError('BROKER_UNREACHABLE', `connection to ${opts.url} closed before the broker acknowledged`, {
        hint: "the broker dropped the connection: a publish outside this login's topics is refused this way (see docs/PROTOCOL.md, ACL)",
      });
      for (const fail of lost) fail(gone);
    });
  }

  return {
    mqtt: client,
    async publish(topic, payload, popts = {}) {
      await acquire();
      let fail!: (err: Error) => void;
      const dropped = new Promise<never>((_, reject) => (fail = reject));
      lost.add(fail);
      try {
        // After the close, mqtt.js would keep the publish offline for a reconnect that never comes.
        if (gone) throw gone;
        await Promise.race([
          client.publishAsync(topic, payload, { qos: popts.qos ?? 1, retain: popts.retain ?? false }),
          dropped,
        ]);
      } finally {
        lost.delete(fail);
        release();
      }
    },
    async close() {
      // A dropped connection never acknowledges its outstanding publishes: a
      // graceful end would wait for them forever, so end at once.
      await client.endAsync(!client.connected).catch(() => client.end(true));
    },
  };
}
