import type { IPublishPacket } from 'mqtt';
import { connectClient, type MeshClient } from '../../broker/client.js';
import { reconcilerClientId } from '../../broker/client-ids.js';
import type { Context } from '../../core/context.js';
import { deferPubacks } from '../deferred-pubacks.js';
import type { HostStatus } from './host-status.js';

/**
 * The reconciler's one persistent broker session: its fixed client id, its
 * last will (offline), and its PUBACKs held until their messages are committed.
 */
export function createBrokerSession(ctx: Context, status: HostStatus) {
  const { cfg } = ctx;
  let acks!: ReturnType<typeof deferPubacks>;
  /** whether the broker kept this reconciler's session at the last connect (it then kept its retained messages too) */
  let sessionPresent = false;
  return {
    /** The current connection's number: a message's PUBACK goes out only on the connection it came on. */
    connection: (): number => acks.connection(),
    /** Sends the held PUBACKs of committed messages, in the order given. */
    release: (items: Iterable<{ messageId?: number; connection: number }>): void => acks.release(items),
    sessionPresent: (): boolean => sessionPresent,
    connect(handleMessage: (packet: IPublishPacket, done: () => void) => void): Promise<MeshClient> {
      return connectClient({
        url: ctx.endpoint.url,
        ca: ctx.endpoint.ca,
        username: ctx.creds.reconciler.username,
        password: ctx.creds.reconciler.password,
        clientId: reconcilerClientId(cfg.namespace, cfg.host),
        clean: false,
        reconnectMs: cfg.broker.reconnectMs,
        maxInflight: cfg.broker.maxInflight,
        keepaliveSeconds: cfg.broker.hostKeepaliveSeconds,
        will: { topic: status.topic, payload: status.will(), qos: 1, retain: true },
        // Installed before connecting: the persistent session's backlog may come with the CONNACK.
        prepare(c) {
          c.on('connect', (connack) => (sessionPresent = connack.sessionPresent));
          acks = deferPubacks(c);
          c.handleMessage = handleMessage;
        },
      });
    },
  };
}
