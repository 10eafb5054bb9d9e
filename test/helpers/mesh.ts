import { setTimeout as sleep } from 'node:timers/promises';
import mqtt, { type IClientOptions } from 'mqtt';
import { connectClient, type MeshClient } from '../../broker/client.js';
import type { Context } from '../../core/context.js';
import { agentLogin, type Login } from '../../core/credentials.js';

/** A fixed role of the workspace, or the agent login bound to one job. */
export type Who = 'reconciler' | 'operator' | 'reader' | { agent: string };

export function loginOf(ctx: Context, who: Who): Login {
  return typeof who === 'string' ? ctx.creds[who] : agentLogin(ctx.creds, who.agent);
}

/** Connects through the real client factory, failing fast: no reconnects, so a dropped connection rejects pending publishes. */
export function connectAs(ctx: Context, url: string, who: Who): Promise<MeshClient> {
  const login = loginOf(ctx, who);
  return connectClient({ url, ca: ctx.endpoint.ca, ...login, reconnectMs: 0, connectTimeoutMs: 5000 });
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

export interface Received {
  topic: string;
  payload: Buffer;
}

/** Subscribes and records every message; `granted` holds the broker's SUBACK codes (128 = refused). */
export async function subscribeAll(client: MeshClient, filters: string[]): Promise<{ messages: Received[]; granted: number[] }> {
  const messages: Received[] = [];
  client.mqtt.on('message', (topic, payload) => messages.push({ topic, payload }));
  const granted = await client.mqtt.subscribeAsync(filters, { qos: 1 });
  return { messages, granted: granted.map((g) => g.qos) };
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
export async function actUntilExit<T>(proc: Promise<T>, act: () => Promise<unknown>, everyMs = 300, maxTries = 50): Promise<T> {
  let exited = false;
  void proc.then(() => (exited = true), () => (exited = true));
  for (let i = 0; !exited && i < maxTries; i++) {
    await act();
    await sleep(everyMs);
  }
  return proc;
}
