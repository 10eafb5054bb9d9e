import { sealEnvelope } from '../../core/envelope.js';
import type { Keyring } from '../../core/keys.js';
import { topics } from '../../core/topics.js';

/** A host's capacity as its status carries it: sessions holding a slot, and its limit (0: none). */
export interface HostLoad {
  running: number;
  max: number;
}

/** The host's retained liveness on hosts/<host>/status, signed by its reconciler. */
export function hostStatus(ns: string, host: string, keyring: Keyring) {
  const topic = topics.status(ns, host);
  const seal = (body: Record<string, unknown>): Buffer =>
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
        body: { ...body, pid: process.pid },
      },
      keyring,
    );
  return {
    topic,
    /** A status published now: `since` when it began, `seen` now, and the capacity when known. */
    seal: (s: 'online' | 'offline', since = Date.now(), load?: HostLoad): Buffer =>
      seal({ status: s, since, seen: Date.now(), ...load }),
    /**
     * The last will, sealed at connect but published by the broker when it loses the connection:
     * it carries no time, since any time sealed in it would be the connect's.
     */
    will: (): Buffer => seal({ status: 'offline' }),
  };
}

export type HostStatus = ReturnType<typeof hostStatus>;
