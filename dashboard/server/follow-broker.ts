import { connectAs } from '../../broker/connect-role.js';
import type { MeshClient } from '../../broker/client.js';
import type { Status } from '../../cli/host-rows.js';
import type { Context } from '../../core/context.js';
import { openEnvelope } from '../../core/envelope.js';
import type { Logger } from '../../core/logger.js';
import { topics } from '../../core/topics.js';

/** A host's signed status as it last arrived. */
export interface HostStatus {
  host: string;
  body: Status;
}

/**
 * Follows the broker with the read-only login: the hosts' retained, signed statuses (kept here for
 * the hosts view), and the reconcilers' retained job states, which are published only after their
 * commit, so each one is a cue that the registry has something new to push. Nothing unverified is
 * kept: a status that does not open against the keyring is dropped.
 */
export async function followBroker(ctx: Context, log: Logger, onCommitted: () => void) {
  const ns = ctx.cfg.namespace;
  const hosts = new Map<string, HostStatus>();
  const listeners = new Set<(h: HostStatus) => void>();
  let client: MeshClient | undefined;
  const onMessage = (topic: string, payload: Buffer) => {
    if (topic.endsWith('/state')) return onCommitted();
    try {
      const o = openEnvelope(ns, topic, payload, ctx.keyring, ctx.cfg.events.maxMessageBytes);
      if (o.msg.type !== 'host.status') return;
      const h = { host: o.topic.id, body: o.msg.body as unknown as Status };
      hosts.set(h.host, h);
      for (const l of listeners) l(h);
    } catch (err) {
      log.debug('unverifiable host status ignored', { topic, error: (err as Error).message });
    }
  };
  try {
    client = await connectAs(ctx, 'reader', {
      writeCache: false,
      reconnectMs: 2000,
      prepare: (c) => c.on('message', onMessage),
    });
    await client.mqtt.subscribeAsync(
      { [`${topics.status(ns, '+')}`]: { qos: 1 }, [topics.allStates(ns)]: { qos: 0 } },
      {},
    );
  } catch (err) {
    // The board still works from the registry; only hosts and instant updates wait for the broker.
    log.warn('dashboard cannot follow the broker', { error: (err as Error).message });
  }
  return {
    hosts: () => [...hosts.values()].sort((a, b) => a.host.localeCompare(b.host)),
    onHost(l: (h: HostStatus) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: async () => client?.close(),
  };
}
