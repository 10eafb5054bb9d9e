import { MamError } from './errors.js';
import { controlScope, hostJobScope, hostScope } from './host-identity.js';
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

/** Master-derived scope of the reconcilers of hosts holding the master key; a joined host signs with its host key. */
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

/** A key that may sign on a topic; `host` when it is a per-host key, which binds the sender to that host. */
export interface Candidate {
  cls: SignerClass;
  scope: string;
  host?: string;
}

/** The host a message on `t` concerns: the topic's host, or the recorded host of the topic's job. */
export type HostOf = (job: string) => string | undefined;

/** The per-host scope of `cls` for messages on `t` about `host` (core/host-identity.ts). */
export function hostScopeFor(cls: SignerClass, t: ParsedTopic, host: string): string {
  return cls === 'agent' ? hostJobScope(host, t.id) : cls === 'operator' ? controlScope(host) : hostScope(host);
}

/**
 * Every (class, scope) that may sign a message on `t`, in a fixed order: the
 * master-derived scopes first, then, when the host concerned is known, that
 * host's own scopes (a joined host holds only those).
 */
export function candidateSigners(t: ParsedTopic, hostOf?: HostOf): Candidate[] {
  const out: Candidate[] = SIGNERS[t.kind].map((cls) => ({ cls, scope: scopeFor(cls, t) }));
  const host = t.kind === 'control' || t.kind === 'status' ? t.id : hostOf?.(t.id);
  if (host) for (const cls of SIGNERS[t.kind]) out.push({ cls, scope: hostScopeFor(cls, t, host), host });
  return out;
}

/** The host a reconciler sender names (`reconciler@<host>`), if any. */
export function senderHost(sender: string): string | undefined {
  const at = sender.indexOf('@');
  return at > 0 ? sender.slice(at + 1) : undefined;
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
