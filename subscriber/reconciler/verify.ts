import type { Config } from '../../core/config.js';
import { openEnvelope, type Opened, type SenderMismatch } from '../../core/envelope.js';
import { isMamError, MamError } from '../../core/errors.js';
import type { Keyring } from '../../core/keys.js';
import type { HostOf } from '../../core/signers.js';
import { parseTopic, type ParsedTopic } from '../../core/topics.js';

/** A received message, verified on arrival, waiting for its batch's commit and then its PUBACK. */
export interface Pending {
  topic: string;
  payload: Buffer;
  messageId?: number;
  connection: number;
  /** verified on arrival (null: not for the reconciler; an Error: refused) */
  opened: Opened | Error | null;
  /** a verified message refused on arrival all the same (its timestamp): its job, sender and seq are known */
  refusedOpened?: Opened;
  /**
   * A message whose sender is not of its key's class: recorded with the job, sender and seq it
   * claims, but never listed as a refusal in the job's state, where the sender it impersonates
   * would take it for the refusal of its own event of that seq.
   */
  claimed?: Opened;
}

export interface VerifyDeps {
  ns: string;
  host: string;
  keyring: Keyring;
  /** the recorded host of a job: per-host keys are checked against it */
  hostOf: HostOf;
  /** a joined host: it holds only its own keys, so messages about other hosts are not for it */
  joined?: boolean;
  events: Config['events'];
  /** True (once) for a message that is, byte for byte, a snapshot this reconciler published. */
  isEcho(topic: string, payload: Buffer): boolean;
}

export type Verify = (it: Pending, now: number) => Opened | Error | null;

/** null: not for the reconciler (its own echoes, output chunks); an Error: refused. */
export function createVerifier(d: VerifyDeps): Verify {
  const self = `reconciler@${d.host}`;
  return (it, now) => {
    const t = parseTopic(d.ns, it.topic);
    if (t && (t.kind === 'output' || t.kind === 'status')) return null;
    if (t?.kind === 'state' && d.isEcho(it.topic, it.payload)) return null;
    if (d.joined && t && !concernsHost(t, d.host, d.hostOf)) return null;
    try {
      const o = openEnvelope(d.ns, it.topic, it.payload, d.keyring, d.events.maxMessageBytes, d.hostOf);
      if ((o.topic.kind === 'state' || o.topic.kind === 'escalations') && o.msg.sender === self) return null;
      refuseMisaddressedResume(o, d.hostOf);
      if (o.msg.ts < now - d.events.maxAgeSeconds * 1000 || o.msg.ts > now + d.events.maxSkewSeconds * 1000) {
        it.refusedOpened = o;
        throw new MamError('TIMESTAMP', `timestamp ${o.msg.ts} is outside the accepted window`);
      }
      return o;
    } catch (err) {
      if (isMamError(err, 'SENDER_MISMATCH')) it.claimed = (err as SenderMismatch).claimed;
      return err as Error;
    }
  };
}

/**
 * Whether a message on `t` is about this host: its control topic, or a job it
 * owns. A joined host cannot verify (nor forge) what other hosts sign; a job it
 * does not know yet is not its own until its control.create arrives.
 */
function concernsHost(t: ParsedTopic, host: string, hostOf: HostOf): boolean {
  if (t.kind === 'control' || t.kind === 'status') return t.id === host;
  return hostOf(t.id) === host;
}

/**
 * A resume sent to another host than its job's: the control key of the host it
 * is sent to signs it, and that host holds its own control key, so it proves
 * nothing about the job (a compromised host resuming another host's job).
 */
function refuseMisaddressedResume(o: Opened, hostOf: HostOf): void {
  if (o.msg.type !== 'control.resume') return;
  const owner = hostOf(o.msg.job);
  if (owner !== undefined && owner !== o.topic.id)
    throw new MamError('TOPIC_MISMATCH', `a resume of job ${o.msg.job} (host ${owner}) sent to host ${o.topic.id}`);
}
