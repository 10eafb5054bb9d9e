import { parseCanonical } from './canonical-json.js';
import { MamError } from './errors.js';
import { validateMsg } from './event-schema.js';
import { hmac, safeEqual, type Keyring } from './keys.js';
import { controlScope } from './host-identity.js';
import {
  candidateSigners,
  hostScopeFor,
  senderClass,
  senderHost,
  signingScope,
  type HostOf,
  type SignerClass,
} from './signers.js';
import { parseTopic, type ParsedTopic } from './topics.js';

/** The signed message: DESIGN.md "Event envelope". */
export interface Msg<B = Record<string, unknown>> {
  v: 1;
  ns: string;
  job: string;
  type: string;
  sender: string;
  gen: number;
  seq: number;
  ts: number;
  body: B;
}

export interface Opened<B = Record<string, unknown>> {
  kid: string;
  sig: string;
  topic: ParsedTopic;
  /** the class of the key that signed it: what the signature proves, whatever `msg.sender` says */
  signer: SignerClass;
  /** set when a per-host key signed it: the host it proves */
  signerHost?: string;
  msg: Msg<B>;
}

/** A verified message whose sender is not of its key's class: its claims, kept for the record only. */
export type SenderMismatch = MamError & { claimed: Opened };

const DOMAIN = 'mam-v1\n';

function signature(key: Buffer, topic: string, msgText: string): Buffer {
  return hmac(key, DOMAIN + topic + '\n' + msgText);
}

/**
 * The key `sender` signs with on `topic`: its class's scope (core/signers.ts)
 * under the active kid. A keyring without it (an agent session's holds its
 * job's key only) cannot sign as that sender.
 */
export function signingKey(ns: string, topic: string, sender: string, keyring: Keyring, hostOf?: HostOf): Buffer {
  const parsed = parseTopic(ns, topic);
  if (!parsed) throw new MamError('TOPIC_MISMATCH', `not a mam topic of namespace "${ns}": ${topic}`);
  const legacy = signingScope(parsed, sender);
  const cls = senderClass(sender);
  // The host a per-host key would be of: a control or status topic's host, a reconciler's own, a job's recorded one.
  const host =
    parsed.kind === 'control' || parsed.kind === 'status'
      ? parsed.id
      : cls === 'reconciler'
        ? senderHost(sender)
        : hostOf?.(parsed.id);
  // Commands go out under the key of the host they address, which that host can check without the operator key.
  const targeted = host && cls === 'operator' ? keyring.keyFor(keyring.activeKid, controlScope(host)) : undefined;
  const key =
    targeted ??
    keyring.keyFor(keyring.activeKid, legacy) ??
    (host ? keyring.keyFor(keyring.activeKid, hostScopeFor(cls, parsed, host)) : undefined);
  if (key) return key;
  if (senderClass(sender) === 'agent')
    throw new MamError('UNKNOWN_KEY_ID', `no key for job ${parsed.id} under kid ${keyring.activeKid}`);
  throw new MamError('SENDER_MISMATCH', `this key cannot sign as "${sender}"`, {
    hint: "an agent session signs as its job's agent only; operator events are sent from the workspace, outside the session",
  });
}

/** Signs `msg` for `topic` with `signingKey`; returns the exact bytes to publish. */
export function sealEnvelope(ns: string, topic: string, msg: Msg<object>, keyring: Keyring, hostOf?: HostOf): Buffer {
  const key = signingKey(ns, topic, msg.sender, keyring, hostOf);
  const text = JSON.stringify(msg);
  const sig = signature(key, topic, text).toString('base64url');
  return Buffer.from(JSON.stringify({ kid: keyring.activeKid, sig, msg: text }));
}

const KID = /^[A-Za-z0-9_-]{1,64}$/;
// 32 bytes in unpadded base64url: the last character carries 4 bits and two zero bits. Any other
// last character decodes to the same HMAC, so one signature would have 4 spellings (malleable).
const SIG = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** Size, topic and the outer `{kid, sig, msg}`, as received: nothing here needs a key. */
function readOuter(ns: string, topic: string, payload: Buffer, maxBytes: number) {
  if (payload.length > maxBytes) {
    throw new MamError('OVERSIZE', `message of ${payload.length} bytes exceeds the ${maxBytes}-byte limit`);
  }
  const parsedTopic = parseTopic(ns, topic);
  if (!parsedTopic) throw new MamError('TOPIC_MISMATCH', `not a mam topic of namespace "${ns}"`);
  const o = parseCanonical(payload.toString('utf8'), 'payload') as Record<string, unknown>;
  if (
    !o ||
    typeof o !== 'object' ||
    Array.isArray(o) ||
    Object.keys(o).length !== 3 ||
    typeof o.kid !== 'string' ||
    typeof o.sig !== 'string' ||
    typeof o.msg !== 'string'
  ) {
    throw new MamError('BAD_ENVELOPE', 'envelope must be exactly {kid, sig, msg} strings');
  }
  if (!KID.test(o.kid)) throw new MamError('BAD_ENVELOPE', 'malformed key id');
  if (!SIG.test(o.sig)) throw new MamError('BAD_SIGNATURE', 'malformed signature');
  return { parsedTopic, kid: o.kid, sig: o.sig, text: o.msg };
}

/** The signed text as a message of this namespace and topic. */
function readMsg(ns: string, t: ParsedTopic, text: string): Msg {
  const msg = parseCanonical(text, 'signed msg');
  validateMsg(t.kind, msg);
  const m = msg as Msg;
  if (m.ns !== ns) throw new MamError('NAMESPACE_MISMATCH', `message namespace "${m.ns}" is not "${ns}"`);
  if (m.job !== t.id && t.kind !== 'control') {
    throw new MamError('TOPIC_MISMATCH', `message for job "${m.job}" arrived on the topic of "${t.id}"`);
  }
  return m;
}

/**
 * Verifies and opens one received message. Order matters: size, outer shape,
 * key id, HMAC (constant time) — and only then is `msg` parsed and validated;
 * last, its sender must be of the class of the key that signed it.
 */
export function openEnvelope(
  ns: string,
  topic: string,
  payload: Buffer,
  keyring: Keyring,
  maxBytes: number,
  hostOf?: HostOf,
): Opened {
  const { parsedTopic, kid, sig, text } = readOuter(ns, topic, payload, maxBytes);
  // The candidate keys of the topic's signer classes, tried in a fixed order, each compared in
  // constant time: the one that matches is the proven identity.
  const given = Buffer.from(sig, 'base64url');
  let signer: SignerClass | undefined;
  let signerHost: string | undefined;
  let known = false;
  for (const c of candidateSigners(parsedTopic, hostOf)) {
    const key = keyring.keyFor(kid, c.scope);
    if (!key) continue;
    known = true;
    if (safeEqual(signature(key, topic, text), given)) {
      signer = c.cls;
      signerHost = c.host;
      break;
    }
  }
  if (!known) throw new MamError('UNKNOWN_KEY_ID', `unknown key id "${kid}"`);
  if (!signer) throw new MamError('BAD_SIGNATURE', 'signature does not match topic and message');
  const m = readMsg(ns, parsedTopic, text);
  const opened: Opened = { kid, sig, topic: parsedTopic, signer, ...(signerHost ? { signerHost } : {}), msg: m };
  // A host's key proves that host's reconciler: it signs as `reconciler@<that host>` and as no other.
  const bound = signer === 'reconciler' && signerHost !== undefined && m.sender !== `reconciler@${signerHost}`;
  if (senderClass(m.sender) !== signer || bound) {
    const what = bound ? `host ${signerHost}'s` : `the ${signer}`;
    const err = new MamError('SENDER_MISMATCH', `sender "${m.sender}" is not of ${what} key that signed it`);
    throw Object.assign(err, { claimed: opened }) as SenderMismatch;
  }
  return opened;
}

/**
 * The message of an envelope whose signature cannot be checked with the keys
 * at hand, checked in every other way: for an agent session reading its job's
 * state snapshot, which only a reconciler's key signs (a key that verified it
 * could forge it too). It proves nothing but what the broker's ACL does.
 */
export function readEnvelopeUnverified(ns: string, topic: string, payload: Buffer, maxBytes: number): Msg {
  const { parsedTopic, text } = readOuter(ns, topic, payload, maxBytes);
  const m = readMsg(ns, parsedTopic, text);
  const may = candidateSigners(parsedTopic).map((c) => c.cls);
  if (!may.includes(senderClass(m.sender)))
    throw new MamError('SENDER_MISMATCH', `sender "${m.sender}" may not sign ${parsedTopic.kind} messages`);
  return m;
}
