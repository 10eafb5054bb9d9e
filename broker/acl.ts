import { parseTopic, prefix } from '../core/topics.js';
import type { Role } from '../core/credentials.js';

/** Who a connected client is, fixed at authentication. */
export interface Principal {
  role: Role;
  /** for agents: the one job their login is bound to; none for the shared agent login (any job, job topics only) */
  job?: string;
}

const PUBLISH: Record<Role, ReadonlySet<string>> = {
  agent: new Set(['events', 'verdicts']),
  operator: new Set(['events', 'verdicts', 'control']),
  // events/verdicts/control: the reconciler re-sends its host's outboxes on behalf of emitters. A
  // control message still needs the operator key's signature, and a reconciler holds the master keys.
  reconciler: new Set(['state', 'output', 'status', 'escalations', 'events', 'verdicts', 'control']),
  reader: new Set(),
};

/** Publishing: concrete mam topics of the namespace only, by role; agents only on their own job. */
export function canPublish(p: Principal, ns: string, topic: string): boolean {
  const t = parseTopic(ns, topic);
  if (!t || !PUBLISH[p.role].has(t.kind)) return false;
  return p.role !== 'agent' || p.job === undefined || t.id === p.job;
}

/**
 * Subscribing: inside the namespace only. Agents may follow just their own
 * job's state (for delivery acks) and events; every other role may use wildcards
 * below mam/v1/<ns>/.
 */
export function canSubscribe(p: Principal, ns: string, filter: string): boolean {
  const root = prefix(ns) + '/';
  if (!filter.startsWith(root) || filter.length === root.length) return false;
  if (p.role === 'agent') {
    const t = parseTopic(ns, filter);
    return !!t && (p.job === undefined || t.id === p.job) && (t.kind === 'state' || t.kind === 'events');
  }
  return true;
}
