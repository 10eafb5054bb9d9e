import type { MeshClient } from '../../../broker/client.js';
import { connectAs } from '../../../broker/connect-role.js';
import type { Context } from '../../../core/context.js';
import { openEnvelope } from '../../../core/envelope.js';
import { errorData, type Logger } from '../../../core/logger.js';
import { prefix } from '../../../core/topics.js';
import type { Notification } from './notification.js';

/** A host went offline: `retained` when the broker kept it from before this subscription. */
export type OnOffline = (n: Omit<Notification, 'link'>, retained: boolean) => void;

/**
 * Follows the hosts' retained, signed status (hosts/<host>/status; the reconciler's last will says
 * offline) with the read-only reader login. An offline status is told once per `since` (the time the
 * status names): the same retained message seen again, after a reconnect or a restart, is the same key.
 * A status that does not verify, or that a host's reconciler did not send about itself, is ignored.
 */
export function watchHosts(ctx: Context, log: Logger, onOffline: OnOffline) {
  const ns = ctx.cfg.namespace;
  let client: MeshClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const onMessage = (topic: string, payload: Buffer, packet: { retain?: boolean }) => {
    try {
      const o = openEnvelope(ns, topic, payload, ctx.keyring, ctx.cfg.events.maxMessageBytes);
      const host = o.topic.id;
      const body = o.msg.body as { status?: string; since?: number };
      if (o.msg.type !== 'host.status' || o.msg.sender !== `reconciler@${host}` || body.status !== 'offline') return;
      const since = typeof body.since === 'number' ? body.since : o.msg.ts;
      onOffline(
        {
          key: `host:${host}:offline:${since}`,
          kind: 'host-offline',
          host,
          state: 'offline',
          reason: `its reconciler's status is offline (last up since ${new Date(since).toISOString()})`,
          at: o.msg.ts,
        },
        packet.retain === true,
      );
    } catch (err) {
      log.debug('host status ignored', { topic, error: (err as Error).message });
    }
  };

  async function connect(): Promise<void> {
    try {
      const c = await connectAs(ctx, 'reader', {
        reconnectMs: ctx.cfg.broker.reconnectMs,
        prepare: (m) => m.on('message', onMessage),
      });
      if (closed) return void (await c.close());
      client = c;
      await c.mqtt.subscribeAsync(`${prefix(ns)}/hosts/+/status`, { qos: 1 });
    } catch (err) {
      log.warn('notifier cannot follow the hosts yet; trying again', { error: errorData(err) });
      await client?.close().catch(() => undefined);
      client = undefined;
      if (!closed) retry = setTimeout(() => void connect(), Math.max(1000, ctx.cfg.broker.reconnectMs));
    }
  }

  return {
    start: connect,
    async close(): Promise<void> {
      closed = true;
      clearTimeout(retry);
      await client?.close();
    },
  };
}
