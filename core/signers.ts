import { MamError } from './errors.js';
import { OPERATOR_SCOPE } from './keys.js';
import type { ParsedTopic, TopicKind } from './topics.js';

/**
 * Who may sign what. A message's `sender` is a claim; the key that signed it
 * is the proof. Each sender name belongs to one class, each class signs with
 * its own key scope, and a verified message whose sender is not of the class
 * its key proves is refused (SENDER_MISMATCH). Sender names are therefore
 * disjoint by class, and so are the high-water marks kept per (job, sender):
 * a job's key can never move an operator's or a reconciler's mark.
 */
export type SignerClass = 'agent' | 'operator' | 'reconciler';

/** Master-derived scope of every host's reconciler; per-host keys will replace it. */
export const RECONCILER_SCOPE = '@reconciler';

/** The class a sender name claims: `operator[@host]`, `reconciler[@host]`, and any other name is a job's agent. */
export function senderClass(sender: string): SignerClass {
  if (sender === 'operator' || sender.startsWith('operator@')) return 'operator';
  if (sender === 'reconciler' || sender.startsWith('reconciler@')) return 'reconciler';
  return 'agent';
}

// In the order a verifier tries them: the common case (an agent's own event) costs one HMAC.
const SIGNERS: Record<TopicKind, readonly SignerClass[]> = {
  events: ['agent', 'operator'],
  verdicts: ['agent', 'operator'],
  control: ['operator'],
  state: ['reconciler'],
  output: ['reconciler'],
  status: ['reconciler'],
  escalations: ['reconciler'],
};

/** The key scope of `cls` for messages on topic `t`: a job's agent holds its job's scope only. */
export function scopeFor(cls: SignerClass, t: ParsedTopic): string {
  return cls === 'agent' ? t.id : cls === 'operator' ? OPERATOR_SCOPE : RECONCILER_SCOPE;
}

/** Every (class, scope) that may sign a message on `t`, in a fixed order. */
export function candidateSigners(t: ParsedTopic): Array<{ cls: SignerClass; scope: string }> {
  return SIGNERS[t.kind].map((cls) => ({ cls, scope: scopeFor(cls, t) }));
}

/** The scope `sender` signs with on `t`; SENDER_MISMATCH when its class may not sign there. */
export function signingScope(t: ParsedTopic, sender: string): string {
  const cls = senderClass(sender);
  if (!SIGNERS[t.kind].includes(cls)) {
    throw new MamError('SENDER_MISMATCH', `sender "${sender}" (${cls}) may not sign ${t.kind} messages`, {
      hint: `${t.kind} messages are signed by ${SIGNERS[t.kind].join(' or ')} senders only (docs/PROTOCOL.md, "Keys")`,
    });
  }
  return scopeFor(cls, t);
}
