import { MamError } from './errors.js';
import { validateMsg } from './event-schema.js';
import { hmac, safeEqual, type Keyring } from './keys.js';
import { parseTopic, scopeOf, type ParsedTopic } from './topics.js';

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
  msg: Msg<B>;
}

const DOMAIN = 'mam-v1\n';

function signature(key: Buffer, topic: string, msgText: string): Buffer {
  return hmac(key, DOMAIN + topic + '\n' + msgText);
}

/** Signs `msg` for `topic` with the active key of `keyring`; returns the exact bytes to publish. */
export function sealEnvelope(ns: string, topic: string, msg: Msg<object>, keyring: Keyring): Buffer {
  const parsed = parseTopic(ns, topic);
  if (!parsed) throw new MamError('TOPIC_MISMATCH', `not a mam topic of namespace "${ns}": ${topic}`);
  const key = keyring.keyFor(keyring.activeKid, scopeOf(parsed));
  if (!key) throw new MamError('UNKNOWN_KEY_ID', `no key for kid ${keyring.activeKid}`);
  const text = JSON.stringify(msg);
  const sig = signature(key, topic, text).toString('base64url');
  return Buffer.from(JSON.stringify({ kid: keyring.activeKid, sig, msg: text }));
}

const KID = /^[A-Za-z0-9_-]{1,64}$/;
// 32 bytes in unpadded base64url: the last character carries 4 bits and two zero bits. Any other
// last character decodes to the same HMAC, so one signature would have 4 spellings (malleable).
const SIG = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * Verifies and opens one received message. Order matters: size, outer shape,
 * key id, HMAC (constant time) — and only then is `msg` parsed and validated.
 */
export function openEnvelope(ns: string, topic: string, payload: Buffer, keyring: Keyring, maxBytes: number): Opened {
  if (payload.length > maxBytes) {
    throw new MamError('OVERSIZE', `message of ${payload.length} bytes exceeds the ${maxBytes}-byte limit`);
  }
  const parsedTopic = parseTopic(ns, topic);
  if (!parsedTopic) throw new MamError('TOPIC_MISMATCH', `not a mam topic of namespace "${ns}"`);
  let outer: unknown;
  try {
    outer = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MamError('BAD_ENVELOPE', 'payload is not JSON');
  }
  const o = outer as Record<string, unknown>;
  if (!o || typeof o !== 'object' || Array.isArray(o) || Object.keys(o).length !== 3 ||
      typeof o.kid !== 'string' || typeof o.sig !== 'string' || typeof o.msg !== 'string') {
    throw new MamError('BAD_ENVELOPE', 'envelope must be exactly {kid, sig, msg} strings');
  }
  if (!KID.test(o.kid)) throw new MamError('BAD_ENVELOPE', 'malformed key id');
  if (!SIG.test(o.sig)) throw new MamError('BAD_SIGNATURE', 'malformed signature');
  const key = keyring.keyFor(o.kid, scopeOf(parsedTopic));
  if (!key) throw new MamError('UNKNOWN_KEY_ID', `unknown key id "${o.kid}"`);
  if (!safeEqual(signature(key, topic, o.msg), Buffer.from(o.sig, 'base64url'))) {
    throw new MamError('BAD_SIGNATURE', 'signature does not match topic and message');
  }
  let msg: unknown;
  try {
    msg = JSON.parse(o.msg);
  } catch {
    throw new MamError('BAD_ENVELOPE', 'signed msg is not JSON');
  }
  validateMsg(parsedTopic.kind, msg);
  const m = msg as Msg;
  if (m.ns !== ns) throw new MamError('NAMESPACE_MISMATCH', `message namespace "${m.ns}" is not "${ns}"`);
  if (m.job !== parsedTopic.id && parsedTopic.kind !== 'control') {
    throw new MamError('TOPIC_MISMATCH', `message for job "${m.job}" arrived on the topic of "${parsedTopic.id}"`);
  }
  return { kid: o.kid, sig: o.sig, topic: parsedTopic, msg: m };
}
