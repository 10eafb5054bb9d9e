import { openEnvelope, readEnvelopeUnverified } from '../../core/envelope.js';
import { RECONCILER_SCOPE } from '../../core/signers.js';
import type { EmitIdentity } from './emit-identity.js';

/** The body of the reconciler's retained jobs/<job>/state message, as far as emitters need it. */
export interface StateBody {
  state: string;
  gen: number;
  acks?: Array<[string, number]>;
  refused?: Array<[string, number, string, string]>;
}

/**
 * A state snapshot's body. Only a reconciler's key signs snapshots: the
 * workspace's keyring verifies them, an agent session's cannot (a key that
 * verified a snapshot could forge one), so a session takes its job's snapshot
 * on the broker's word: only reconciler logins may publish state topics.
 */
export function readStateBody(id: EmitIdentity, topic: string, payload: Buffer): StateBody {
  const verifiable = id.keyring.keyFor(id.keyring.activeKid, RECONCILER_SCOPE) !== undefined;
  const msg = verifiable
    ? openEnvelope(id.ns, topic, payload, id.keyring, 1 << 20, id.hostOf).msg
    : readEnvelopeUnverified(id.ns, topic, payload, 1 << 20);
  return msg.body as unknown as StateBody;
}
