import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type IClientOptions } from 'mqtt';
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import { connectClient, type ClientOptions, type MeshClient } from '../../broker/client.js';
import type { Context } from '../../core/context.js';
import { agentLogin, sharedAgentLogin, type Login } from '../../core/credentials.js';
import { makeWorkspace, startBroker, type TestWorkspace } from './workspace.js';

/** A fixed role of the workspace ('agent': the shared agent login), or the agent login bound to one job. */
export type Who = 'reconciler' | 'operator' | 'reader' | 'agent' | { agent: string };

export function loginOf(ctx: Context, who: Who): Login {
  if (who === 'agent') return sharedAgentLogin(ctx.creds);
  return typeof who === 'string' ? ctx.creds[who] : agentLogin(ctx.creds, who.agent);
}

/**
 * Connects through the real client factory, failing fast: no reconnects, so a dropped connection rejects pending
 * publishes.
 */
export function connectAs(ctx: Context, url: string, who: Who): Promise<MeshClient> {
  const login = loginOf(ctx, who);
  return connectClient({ url, ca: ctx.endpoint.ca, ...login, reconnectMs: 0, connectTimeoutMs: 5000 });
}

export type ConnectError = Error & { code?: string; cause?: { code?: string | number } };

/** The error the real client factory fails with; a connection that succeeds is closed and fails the test. */
export async function connectError(opts: ClientOptions): Promise<ConnectError> {
  const err = await connectClient({ reconnectMs: 0, connectTimeoutMs: 5000, ...opts }).then(
    (c) => c.close().then(() => undefined),
    (e: unknown) => e,
  );
  expect(err, 'the connection was expected to fail').toBeInstanceOf(Error);
  return err as ConnectError;
}

/** Closes clients opened by a test; already-dropped ones close quietly. */
export class ClientPool {
  private readonly open: MeshClient[] = [];

  async add(client: Promise<MeshClient>): Promise<MeshClient> {
    const c = await client;
    this.open.push(c);
    return c;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.open.splice(0).map((c) => c.close().catch(() => {})));
  }
}

/** One workspace and embedded broker for a whole test file; filled in by beforeAll. */
export interface BrokerSuite {
  tw: TestWorkspace;
  ctx: Context;
  broker: Awaited<ReturnType<typeof startBroker>>;
  pool: ClientPool;
  /** a client closed after each test */
  connect(who: Who): Promise<MeshClient>;
  /** Publishes QoS 1 on a fresh connection: true on PUBACK, false when the broker dropped the connection instead. */
  publishes(who: Who, topic: string, payload: string | Buffer): Promise<boolean>;
}

/**
 * Registers the hooks of a broker-backed test file: workspace (config patched
 * before the broker reads it) and broker before all, clients closed after each
 * test, broker closed and workspace removed after all.
 */
export function useBrokerSuite(
  namespace: string,
  opts: { config?: Record<string, unknown>; plaintextPort?: number } = {},
): BrokerSuite {
  const s = { pool: new ClientPool() } as BrokerSuite;
  s.connect = (who) => s.pool.add(connectAs(s.ctx, s.broker.url, who));
  s.publishes = async (who, topic, payload) => {
    const c = await s.connect(who);
    return c.publish(topic, payload, { qos: 1 }).then(
      () => true,
      (err: { code?: string }) => {
        // A refused publish in MQTT 3.1.1 has no negative PUBACK: Aedes closes the connection.
        if (err.code !== 'MAM_ERR_BROKER_UNREACHABLE' || c.mqtt.connected) throw err;
        return false;
      },
    );
  };
  beforeAll(async () => {
    s.tw = await makeWorkspace({ namespace });
    if (opts.config) s.tw.patchConfig(opts.config);
    s.broker = await startBroker(s.tw, { plaintextPort: opts.plaintextPort });
    s.ctx = s.tw.context();
  });
  afterEach(() => s.pool.closeAll());
  afterAll(async () => {
    await s.broker?.close();
    s.tw?.cleanup();
  });
  return s;
}

export interface Received {
  topic: string;
  payload: Buffer;
}

/** Subscribes and records every message; `granted` holds the broker's SUBACK codes (128 = refused). */
export async function subscribeAll(
  client: MeshClient,
  filters: string[],
): Promise<{ messages: Received[]; granted: number[] }> {
  const messages: Received[] = [];
  client.mqtt.on('message', (topic, payload) => messages.push({ topic, payload }));
  const granted = await client.mqtt.subscribeAsync(filters, { qos: 1 });
  return { messages, granted: granted.map((g) => g.qos) };
}

/** The SUBACK code for one filter (128 = refused); mqtt.js rejects on a failure code, carrying the SUBACK packet. */
export function grantedFor(client: MeshClient, filter: string): Promise<number> {
  return client.mqtt.subscribeAsync(filter, { qos: 1 }).then(
    ([g]) => g!.qos,
    (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] ?? -1,
  );
}

/** Retries an assertion until it holds: a busy machine delivers late, beyond vi.waitFor's 1 s default. */
export function eventually(assertion: () => void, timeoutMs = 10_000): Promise<void> {
  return vi.waitFor(assertion, { timeout: timeoutMs, interval: 20 });
}

/**
 * Publishes an operator marker on `topic` and waits until `seen` holds it:
 * whatever the broker forwarded before has arrived by then, so an absence is final.
 */
export async function flushThrough(suite: BrokerSuite, seen: Received[], topic: string): Promise<void> {
  const marker = `marker-${Math.random()}`;
  expect(await suite.publishes('operator', topic, marker)).toBe(true);
  await eventually(() => expect(seen.some((m) => m.payload.toString() === marker)).toBe(true));
}

export interface ConnectOutcome {
  connected: boolean;
  error?: Error & { code?: string | number };
}

/** A raw mqtt.js connect for negative cases: reports whether a CONNACK accepted us, and the first error. */
export function tryConnect(url: string, opts: IClientOptions): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 4000, ...opts });
    let error: ConnectOutcome['error'];
    let settled = false;
    const finish = (connected: boolean) => {
      if (settled) return;
      settled = true;
      client.end(true);
      resolve({ connected, error });
    };
    client.on('error', (err) => (error ??= err));
    client.on('connect', () => finish(true));
    client.on('close', () => finish(false));
  });
}

/**
 * Repeats `act` until `proc` exits: for a subscriber process that gives no
 * readiness signal, publishing until it has printed what it waits for.
 */
export async function actUntilExit<T>(
  proc: Promise<T>,
  act: () => Promise<unknown>,
  everyMs = 300,
  maxTries = 50,
): Promise<T> {
  let exited = false;
  void proc.then(
    () => (exited = true),
    () => (exited = true),
  );
  for (let i = 0; !exited && i < maxTries; i++) {
    await act();
    await sleep(everyMs);
  }
  return proc;
}
