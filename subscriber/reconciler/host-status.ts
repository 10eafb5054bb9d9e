import { sealEnvelope } from '../../core/envelope.js';
import type { Keyring } from '../../core/keys.js';
import { topics } from '../../core/topics.js';

/** The host's retained liveness on hosts/<host>/status, signed by its reconciler. */
export function hostStatus(ns: string, host: string, keyring: Keyring) {
  const topic = topics.status(ns, host);
  return {
    topic,
    seal: (s: 'online' | 'offline'): Buffer =>
      sealEnvelope(
        ns,
        topic,
        {
          v: 1,
          ns,
          job: host,
          type: 'host.status',
          sender: `reconciler@${host}`,
          gen: 0,
          seq: Date.now(),
          ts: Date.now(),
          body: { status: s, pid: process.pid, since: Date.now() },
        },
        keyring,
      ),
  };
}

export type HostStatus = ReturnType<typeof hostStatus>;
