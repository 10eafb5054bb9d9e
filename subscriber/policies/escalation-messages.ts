import type { Opened } from '../../core/envelope.js';
import { sealEnvelope } from '../../core/envelope.js';
import type { Keyring } from '../../core/keys.js';
import { topics } from '../../core/topics.js';
import type { EscalationClearedBody, EscalationOpenBody } from '../../schemas/event-bodies.js';
import type { EscalationRow } from '../registry/policy-writes.js';
import type { Registry } from '../registry/registry.js';

export type EscalationMessage =
  | { type: 'escalation.open'; body: EscalationOpenBody }
  | { type: 'escalation.cleared'; body: EscalationClearedBody };

/** The signed body of an open escalation, as recorded. */
export function openBody(e: EscalationRow): EscalationOpenBody {
  return { job: e.job, host: e.host, kind: e.kind, reason: e.reason, command: e.command, at: e.created_at };
}

/**
 * Seals messages for jobs/<job>/escalations as this host's reconciler. Each gets its own seq,
 * strictly increasing and floored at the clock, as the state snapshots' are: a reader keeps the
 * newest per job, across restarts of the reconciler too.
 */
export function createEscalationSealer(o: { ns: string; host: string; keyring: Keyring }) {
  let lastSeq = 0;
  return (job: string, gen: number, m: EscalationMessage): { topic: string; payload: Buffer } => {
    const topic = topics.escalations(o.ns, job);
    const seq = (lastSeq = Math.max(Date.now(), lastSeq + 1));
    const msg = {
      v: 1 as const,
      ns: o.ns,
      job,
      type: m.type,
      sender: `reconciler@${o.host}`,
      gen,
      seq,
      ts: Date.now(),
      body: m.body,
    };
    return { topic, payload: sealEnvelope(o.ns, topic, msg, o.keyring) };
  };
}

/**
 * A verified escalation message of another host's job: this host's inbox follows the word of the
 * job's owner only (its reconciler's sender, about its own host), as its job state does. Runs in
 * the reconciler's commit transaction; anything else is ignored.
 */
export function mirrorEscalation(reg: Registry, host: string, o: Opened): void {
  const row = reg.getJob(o.msg.job);
  if (!row || row.host === host || o.msg.sender !== `reconciler@${row.host}`) return;
  // Its body passed schemas/events/<type>.json when it was opened.
  const m = { type: o.msg.type, body: o.msg.body } as unknown as EscalationMessage;
  if (m.body.host !== row.host) return;
  if (m.type === 'escalation.open') {
    const { kind, reason, command, at } = m.body;
    reg.escalate({ job: row.id, host: row.host, kind, reason, command, at });
  } else {
    for (const kind of m.body.kinds) reg.clearEscalations(row.id, kind);
  }
}
