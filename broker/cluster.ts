import type { AedesPersistence } from 'aedes-persistence';
import redisPersistence from 'aedes-persistence-redis';
import MQEmitterRedis from 'mqemitter-redis';
import type { EventEmitter } from 'node:events';
import { MamError } from '../core/errors.js';

export interface ClusterBackend {
  mq: ReturnType<typeof MQEmitterRedis>;
  persistence: AedesPersistence;
  heartbeatInterval: number;
  /** Ends the Redis connections of the store (Aedes closes the emitter itself). */
  destroy(): Promise<void>;
}

/**
 * A session's whole backlog is handed over when it reconnects to another node:
 * the store's default (1,000) would strand the rest of a reconciler's held messages.
 */
const MAX_SESSION_DELIVERY = 1_000_000;

/** How long a starting node waits for Redis before it gives up with a clear error. */
const REDIS_CONNECT_MS = 5000;

/** redis://[user:password@]host:port[/db], checked before any connection is tried. */
export function parseRedisUrl(raw: string): {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
} {
  let u: URL | undefined;
  try {
    u = new URL(raw);
  } catch {
    u = undefined;
  }
  const db = u ? Number(u.pathname.replace(/^\//, '') || '0') : Number.NaN;
  if (!u || u.protocol !== 'redis:' || !u.hostname || !Number.isInteger(db) || db < 0) {
    throw new MamError('USAGE', `cluster URL "${raw}" is not redis://host:port[/db]`, {
      hint: 'give the Redis every broker node shares, e.g. `mam broker --cluster redis://10.0.0.5:6379` (or set broker.cluster)',
    });
  }
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: Number(u.port || 6379),
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/**
 * The shared state of an Aedes cluster node: messages cross nodes through
 * mqemitter-redis, sessions, subscriptions, retained messages and wills live
 * in aedes-persistence-redis. A node's heartbeat tells the others it is alive;
 * a node silent for three heartbeats has its clients' wills published by another.
 */
export async function createClusterBackend(
  redisUrl: string,
  heartbeatMs: number,
  onRedisError: (err: Error) => void,
): Promise<ClusterBackend> {
  const conn = parseRedisUrl(redisUrl);
  const mq = MQEmitterRedis({ ...conn });
  // Its Redis connections report through `state`; a Redis that goes away is retried, never a crash.
  const state = (mq as unknown as { state: EventEmitter }).state;
  let lastError: Error | undefined;
  // ioredis retries every few hundred ms: one line per new error, not one per retry.
  state.on('error', (err: Error) => {
    if (err.message !== lastError?.message) onRedisError(err);
    lastError = err;
  });
  state.on('pubConnect', () => (lastError = undefined));
  await new Promise<void>((resolve, reject) => {
    let up = 0;
    const connected = () => ++up === 2 && (clearTimeout(timer), resolve());
    state.once('pubConnect', connected);
    state.once('subConnect', connected);
    const timer = setTimeout(() => {
      mq.close(() => {});
      reject(
        new MamError('BROKER_UNREACHABLE', `cannot reach the cluster's Redis at ${conn.host}:${conn.port}`, {
          hint: `start Redis there, or fix --cluster / broker.cluster${lastError ? ` (${lastError.message})` : ''}`,
        }),
      );
    }, REDIS_CONNECT_MS);
  });
  const persistence = redisPersistence({ ...conn, maxSessionDelivery: MAX_SESSION_DELIVERY });
  return {
    mq,
    persistence,
    heartbeatInterval: heartbeatMs,
    destroy: () =>
      new Promise<void>((resolve) => {
        try {
          persistence.destroy(() => resolve());
        } catch {
          resolve();
        }
      }),
  };
}

/**
 * A client back on this node before the others have declared its old node
 * dead must not have its old will published after it: the will of a client
 * already reconnected would announce, say, a live reconciler as offline.
 */
export function dropStaleWills(
  aedes: { id: string; on(event: 'client', listener: (client: { id: string }) => void): unknown },
  persistence: AedesPersistence,
  onError: (err: Error) => void,
): void {
  aedes.on('client', (client) => {
    const drop = async () => {
      for await (const will of persistence.streamWill({ [aedes.id]: Date.now() }) as AsyncIterable<{
        clientId: string;
        brokerId: string;
      }>) {
        if (will.clientId !== client.id || will.brokerId === aedes.id) continue;
        // Without a callback the store answers with a promise (as Aedes 1.x calls it).
        await (persistence.delWill as unknown as (c: { id: string; brokerId: string }) => Promise<unknown>)({
          id: client.id,
          brokerId: will.brokerId,
        });
      }
    };
    drop().catch(onError);
  });
}
