import type { OutboxEntry } from '../broker/emitter/outbox.js';
import { openEnvelope } from '../core/envelope.js';
import { MamError } from '../core/errors.js';
import type { Keyring } from '../core/keys.js';
import type { HostOf } from '../core/signers.js';
import { parseTopic } from '../core/topics.js';

export interface OutboxLimits {
  ns: string;
  keyring: Keyring;
  /** the recorded host of a job: a joined host's entries are signed with keys below its host key */
  hostOf?: HostOf;
  /** the smaller of events.maxMessageBytes and what the broker takes in one packet */
  maxBytes: number;
}

/** An outbox entry that passed every check, with its decoded bytes. */
export interface VerifiedEntry {
  entry: OutboxEntry;
  payload: Buffer;
}

/**
 * Checks one outbox entry of job `job` before the reconciler re-sends it:
 * shape, size, a topic that belongs to the job, and the envelope (signature,
 * schema, job, sender and seq matching the file). The outbox is writable by
 * the job's agent, so nothing in it is trusted: an oversize publish makes the
 * broker drop the reconciler's connection, and mqtt.js would resend it at
 * every reconnect, stalling every job of the host.
 */
export function verifyOutboxEntry(job: string, data: unknown, lim: OutboxLimits): VerifiedEntry {
  const e = data as Partial<OutboxEntry> | null;
  if (
    !e ||
    typeof e !== 'object' ||
    typeof e.topic !== 'string' ||
    typeof e.sender !== 'string' ||
    !Number.isSafeInteger(e.seq) ||
    typeof e.payload !== 'string' ||
    typeof e.created !== 'number'
  ) {
    throw new MamError('BAD_ENVELOPE', 'outbox entry is not {topic, sender, seq, payload, created}');
  }
  // base64 decodes to at most 3/4 of its length: refuse before decoding an oversize one.
  if (Math.floor((e.payload.length * 3) / 4) > lim.maxBytes + 2) {
    throw new MamError(
      'OVERSIZE',
      `outbox entry of about ${Math.floor((e.payload.length * 3) / 4)} bytes exceeds the ${lim.maxBytes}-byte limit`,
    );
  }
  const payload = Buffer.from(e.payload, 'base64');
  if (payload.length > lim.maxBytes) {
    throw new MamError('OVERSIZE', `outbox entry of ${payload.length} bytes exceeds the ${lim.maxBytes}-byte limit`);
  }
  const t = parseTopic(lim.ns, e.topic);
  const ownTopic =
    t !== undefined && (t.kind === 'control' || ((t.kind === 'events' || t.kind === 'verdicts') && t.id === job));
  if (!ownTopic)
    throw new MamError('TOPIC_MISMATCH', `outbox entry's topic ${e.topic.slice(0, 200)} is not a topic of job ${job}`);
  const o = openEnvelope(lim.ns, e.topic, payload, lim.keyring, lim.maxBytes, lim.hostOf);
  if (o.msg.job !== job)
    throw new MamError('TOPIC_MISMATCH', `outbox entry of job ${job} carries an event of job "${o.msg.job}"`);
  if (o.msg.sender !== e.sender || o.msg.seq !== e.seq) {
    throw new MamError(
      'BAD_ENVELOPE',
      `outbox entry says ${e.sender} seq ${e.seq}; its signed event is ${o.msg.sender} seq ${o.msg.seq}`,
    );
  }
  return { entry: e as OutboxEntry, payload };
}
