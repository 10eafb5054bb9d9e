import { randomBytes } from 'node:crypto';
import { agentJobOf } from '../core/credentials.js';
import { hostOfLogin } from '../core/host-identity.js';
import type { Principal } from './acl.js';

/**
 * Broker client ids, bound to logins. MQTT lets a CONNECT with a client id
 * already in use take that session over (its subscriptions and its queue of
 * unacknowledged messages; [MQTT-3.1.4-2]), so an id is accepted only from the
 * login it belongs to:
 *
 *   host H (host:H)       mam-reconciler-<ns>-H (its reconciler's durable session), mam-host-<suffix>
 *   operator, reader      mam-operator-<suffix>, mam-reader-<suffix>
 *   agent of job J        agent-<J>-<suffix> (login agent:<J>)
 *   shared agent login    mam-agent-<suffix>
 *
 * The suffix holds no '-', so `agent-<job>-<suffix>` splits one way only: job
 * "a" can never use an id of job "a-b". Everything else, an empty id (which
 * the broker would replace by one of its own) included, is refused at CONNECT.
 */
const SUFFIX = /^[A-Za-z0-9]{1,32}$/;

function suffixed(id: string, head: string): boolean {
  return id.startsWith(head) && SUFFIX.test(id.slice(head.length));
}

/** The fixed client id of a host's reconciler: its persistent session on the broker. */
export function reconcilerClientId(ns: string, host: string): string {
  return `mam-reconciler-${ns}-${host}`;
}

/** A fresh client id for a connection of `username` (a role's login, or `agent:<job>`). */
export function newClientId(username: string): string {
  const suffix = randomBytes(6).toString('hex');
  const job = agentJobOf(username);
  if (hostOfLogin(username) !== undefined) return `mam-host-${suffix}`;
  return job !== undefined ? `agent-${job}-${suffix}` : `mam-${username}-${suffix}`;
}

/** Whether the client authenticated as `p` may use `id` on the broker of namespace `ns`. */
export function mayUseClientId(p: Principal, ns: string, id: string): boolean {
  if (p.role === 'agent' && p.job !== undefined) return suffixed(id, `agent-${p.job}-`);
  // A host's login: its own reconciler's durable session, and fresh ids for its other connections.
  if (p.role === 'host') return id === reconcilerClientId(ns, p.host!) || suffixed(id, 'mam-host-');
  return suffixed(id, `mam-${p.role}-`);
}
