import { MamError } from './errors.js';

/** Job ids and host names are single topic levels: no '/', '+', '#', no dots. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export type TopicKind = 'events' | 'state' | 'output' | 'verdicts' | 'control' | 'status' | 'escalations';

export interface ParsedTopic {
  kind: TopicKind;
  /** job id for job and review topics, host name for host topics */
  id: string;
}

export function prefix(ns: string): string {
  return `mam/v1/${ns}`;
}

export const topics = {
  events: (ns: string, job: string) => `${prefix(ns)}/jobs/${job}/events`,
  state: (ns: string, job: string) => `${prefix(ns)}/jobs/${job}/state`,
  output: (ns: string, job: string) => `${prefix(ns)}/jobs/${job}/output`,
  /** what the job needs of a person (docs/POLICIES.md): retained, signed by its host's reconciler */
  escalations: (ns: string, job: string) => `${prefix(ns)}/jobs/${job}/escalations`,
  verdicts: (ns: string, job: string) => `${prefix(ns)}/reviews/${job}/verdicts`,
  control: (ns: string, host: string) => `${prefix(ns)}/hosts/${host}/control`,
  status: (ns: string, host: string) => `${prefix(ns)}/hosts/${host}/status`,
  /** The reconciler's one wildcard subscription set: every job and review topic plus its host's control. */
  allJobEvents: (ns: string) => `${prefix(ns)}/jobs/+/events`,
  allVerdicts: (ns: string) => `${prefix(ns)}/reviews/+/verdicts`,
  allStates: (ns: string) => `${prefix(ns)}/jobs/+/state`,
};

const KINDS: Record<string, Record<string, TopicKind>> = {
  jobs: { events: 'events', state: 'state', output: 'output', escalations: 'escalations' },
  reviews: { verdicts: 'verdicts' },
  hosts: { control: 'control', status: 'status' },
};

// Every message's topic is parsed several times (broker ACL, verification, the reconciler) and the
// same few topics recur: parses are kept, bounded, and dropped wholesale when full.
const parsed = new Map<string, ParsedTopic | null>();
const PARSED_MAX = 4096;

/** Parses a concrete topic of namespace `ns`; undefined when it is not one of mam's topics. */
export function parseTopic(ns: string, topic: string): ParsedTopic | undefined {
  const key = ns + '\0' + topic; // MQTT topics never hold U+0000
  let t = parsed.get(key);
  if (t === undefined) {
    t = parseUncached(ns, topic) ?? null;
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(key, t);
  }
  return t ?? undefined;
}

function parseUncached(ns: string, topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 6 || parts[0] !== 'mam' || parts[1] !== 'v1' || parts[2] !== ns) return undefined;
  const kind = KINDS[parts[3]]?.[parts[5]];
  if (!kind || !ID_PATTERN.test(parts[4])) return undefined;
  // Frozen: one object is handed to every caller parsing the same topic.
  return Object.freeze({ kind, id: parts[4] });
}

export function assertId(value: string, what: string): string {
  if (!ID_PATTERN.test(value)) {
    throw new MamError('USAGE', `invalid ${what} "${value}"`, {
      hint: `${what}s are 1-64 characters of letters, digits, '-' and '_', starting with a letter or digit`,
    });
  }
  return value;
}
