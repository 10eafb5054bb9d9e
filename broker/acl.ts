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

/** The host owning a job, as the broker saw it created (broker/job-owners.ts). */
type Owners = (job: string) => string | undefined;

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
function hostMayPublish(p: Principal, t: ParsedTopic, ownerOf: Owners): boolean {
  if (p.admin || (p.operator && PUBLISH.operator.has(t.kind))) return true;
  if (t.kind === 'status' || t.kind === 'control') return t.id === p.host;
  return ownerOf(t.id) === p.host;
}

/** Publishing: concrete mam topics of the namespace only, by role; agents only on their own job. */
export function canPublish(p: Principal, ns: string, topic: string, ownerOf: Owners = () => undefined): boolean {
  const t = parseTopic(ns, topic);
  if (!t) return false;
  if (p.role === 'host') return hostMayPublish(p, t, ownerOf);
  if (!PUBLISH[p.role].has(t.kind)) return false;
  return p.role !== 'agent' || p.job === undefined || t.id === p.job;
}

/** Whether a joined host's login (neither admin nor operator) may read a concrete topic: every host's status, its own control and jobs. */
function hostMayRead(p: Principal, t: ParsedTopic, ownerOf: Owners): boolean {
  if (t.kind === 'status') return true;
  if (t.kind === 'control') return t.id === p.host;
  return ownerOf(t.id) === p.host;
}

const confinedHost = (p: Principal) => p.role === 'host' && !p.admin && !p.operator;

/**
 * Subscribing: inside the namespace only. Agents may follow just their own
 * job's state (for delivery acks) and events. A joined host may not name
 * another host's job or control topic in a filter; its wildcards are narrowed
 * at delivery (canForward). Every other role may use wildcards below mam/v1/<ns>/.
 */
export function canSubscribe(p: Principal, ns: string, filter: string, ownerOf: Owners = () => undefined): boolean {
  const root = prefix(ns) + '/';
  if (!filter.startsWith(root) || filter.length === root.length) return false;
  if (p.role === 'agent') {
    const t = parseTopic(ns, filter);
    return !!t && (p.job === undefined || t.id === p.job) && (t.kind === 'state' || t.kind === 'events');
  }
  if (confinedHost(p)) {
    const [area, id, leaf] = filter.slice(root.length).split('/');
    if (id === undefined || id === '+' || id === '#') return true;
    if (area === 'hosts') return id === p.host || leaf === 'status';
    if (area === 'jobs' || area === 'reviews') return ownerOf(id) === p.host;
  }
  return true;
}

/**
 * Delivering a message to a subscriber (retained ones and a persistent
 * session's queue included): a joined host's login receives only what it may
 * read (hostMayRead), whatever its filter; everyone else what their filter matched.
 */
export function canForward(p: Principal | undefined, ns: string, topic: string, ownerOf: Owners): boolean {
  if (!p || !confinedHost(p)) return true;
  const t = parseTopic(ns, topic);
  return !!t && hostMayRead(p, t, ownerOf);
}
