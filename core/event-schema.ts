import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MamError } from './errors.js';
import { describeErrors, validatorFor } from './json-schema.js';
import { packageRoot } from './package-root.js';
import type { TopicKind } from './topics.js';

/** Which message types may travel on which kind of topic; anything else is refused. */
export const TYPES_BY_KIND: Record<TopicKind, readonly string[]> = {
  events: ['job.started', 'job.progress', 'job.heartbeat', 'job.blocked', 'job.done', 'job.failed', 'job.cancelled'],
  verdicts: ['review.verdict'],
  state: ['job.state'],
  output: ['job.output'],
  control: [
    'control.create',
    'control.resume',
    'breaker.reset',
    'schedule.add',
    'schedule.remove',
    'run.start',
    'run.stop',
    'run.resume',
  ],
  status: ['host.status'],
  escalations: ['escalation.open', 'escalation.cleared'],
};

export const EVENT_TYPES = TYPES_BY_KIND.events;

/** Checks the parsed msg against schemas/envelope.schema.json and its body against schemas/events/<type>.json. */
export function validateMsg(kind: TopicKind, msg: unknown): void {
  const envelope = validatorFor('envelope.schema.json');
  if (!envelope(msg)) {
    throw new MamError('SCHEMA', `message: ${describeErrors(envelope.errors, 'msg').join('; ')}`);
  }
  const m = msg as { type: string; body: unknown };
  if (!TYPES_BY_KIND[kind].includes(m.type)) {
    throw new MamError('SCHEMA', `message type "${m.type}" is not allowed on a ${kind} topic`);
  }
  const body = validatorFor(`events/${m.type}.json`);
  if (!body(m.body)) {
    throw new MamError('SCHEMA', `${m.type} body: ${describeErrors(body.errors, 'body').join('; ')}`, {
      hint: `the body must match schemas/events/${m.type}.json`,
    });
  }
}

/** True when schemas/events/<type>.json exists (used by `mam emit` to reject unknown types early). */
export function isKnownType(type: string): boolean {
  return /^[a-z]+\.[a-z]+$/.test(type) && existsSync(join(packageRoot(), 'schemas', 'events', `${type}.json`));
}
