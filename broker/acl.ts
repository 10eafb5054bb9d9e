import { parseTopic, prefix, type ParsedTopic } from '../core/topics.js';
import type { Role } from '../core/credentials.js';

/** Who a connected client is, fixed at authentication. */
export interface Principal {
  role: Role | 'host';
  /** for a host's login (`host:<name>`): the host it proves */
  host?: string;
  /** a host login of the admin workspace's own reconciler: it holds the master keys, so it is confined to nothing */
  admin?: boolean;
  /** a host login of an operator (`mam host add --operator`): it may send commands and operator events anywhere */
  operator?: boolean;
  /** for agents: the one job their login is bound to; none for the shared agent login (any job, job topics only) */
  job?: string;
}

export type HostPrincipal = Principal & { role: 'host'; host: string };

const PUBLISH: Record<Role, ReadonlySet<string>> = {
  agent: new Set(['events', 'verdicts']),
  operator: new Set(['events', 'verdicts', 'control']),
  reader: new Set(),
};

/**
 * A host's login: its own status and control topics (control for outbox
 * re-sends of commands addressed to it), and the job topics of jobs it owns.
 * An operator host also sends what the operator login sends; the admin's own
 * reconciler (master keys, outbox re-sends for every host) anything.
 */
function hostMayPublish(p: Principal, t: ParsedTopic, ownerOf: (job: string) => string | undefined): boolean {
  if (p.admin || (p.operator && PUBLISH.operator.has(t.kind))) return true;
  if (t.kind === 'status' || t.kind === 'control') return t.id === p.host;
  return ownerOf(t.id) === p.host;
}

/** Publishing: concrete mam topics of the namespace only, by role; agents only on their own job. */
export function canPublish(
  p: Principal,
  ns: string,
  topic: string,
  ownerOf: (job: string) => string | undefined = () => undefined,
): boolean {
  const t = parseTopic(ns, topic);
  if (!t) return false;
  if (p.role === 'host') return hostMayPublish(p, t, ownerOf);
  if (!PUBLISH[p.role].has(t.kind)) return false;
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
