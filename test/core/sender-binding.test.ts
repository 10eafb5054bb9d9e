import { describe, expect, it } from 'vitest';
import { openEnvelope, sealEnvelope, type Msg, type SenderMismatch } from '../../core/envelope.js';
import { isMamError } from '../../core/errors.js';
import { hmac, masterKeyring, newKeyFile, singleKeyring } from '../../core/keys.js';
import { senderClass } from '../../core/signers.js';
import { topics } from '../../core/topics.js';

// The signing key proves the sender's class: a job's key speaks only as that job's agent.
const NS = 'sb';
const MAX = 65536;
const kf = newKeyFile();
const ring = masterKeyring(kf);
const jobKey = ring.keyFor(kf.active, 'J1')!;
const agent = singleKeyring(kf.active, 'J1', jobKey);

const msg = (over: Partial<Msg<object>> = {}): Msg<object> => ({
  v: 1,
  ns: NS,
  job: 'J1',
  type: 'job.heartbeat',
  sender: 'agent',
  gen: 1,
  seq: 7,
  ts: Date.now(),
  body: {},
  ...over,
});

/** What a hostile agent does past mam's own checks: signs any msg with the job key it holds. */
function signWithJobKey(topic: string, m: Msg<object>): Buffer {
  const text = JSON.stringify(m);
  return Buffer.from(
    JSON.stringify({ kid: kf.active, sig: hmac(jobKey, `mam-v1\n${topic}\n${text}`).toString('base64url'), msg: text }),
  );
}

function errorOf(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('senders bound to keys', () => {
  const events = topics.events(NS, 'J1');

  it('classes sender names', () => {
    expect(['agent', 'reviewer-bob', 'e1'].map(senderClass)).toEqual(['agent', 'agent', 'agent']);
    expect(['operator', 'operator@h1'].map(senderClass)).toEqual(['operator', 'operator']);
    expect(['reconciler@h1'].map(senderClass)).toEqual(['reconciler']);
  });

  it("proves an agent's event by its job key and an operator's by the operator key", () => {
    expect(openEnvelope(NS, events, sealEnvelope(NS, events, msg(), agent), ring, MAX).signer).toBe('agent');
    expect(
      openEnvelope(NS, events, sealEnvelope(NS, events, msg({ sender: 'operator@h1' }), ring), ring, MAX).signer,
    ).toBe('operator');
    const verdicts = topics.verdicts(NS, 'J1');
    const verdict = msg({ type: 'review.verdict', sender: 'operator@h1', body: { verdict: 'PASS', findings: [] } });
    expect(openEnvelope(NS, verdicts, sealEnvelope(NS, verdicts, verdict, ring), ring, MAX).signer).toBe('operator');
  });

  it('refuses an operator sender signed with a job key as SENDER_MISMATCH, keeping its claims for the record', () => {
    const err = errorOf(() =>
      openEnvelope(
        NS,
        events,
        signWithJobKey(events, msg({ sender: 'operator@h1', seq: Number.MAX_SAFE_INTEGER })),
        ring,
        MAX,
      ),
    );
    expect(isMamError(err, 'SENDER_MISMATCH')).toBe(true);
    expect((err as SenderMismatch).claimed.msg).toMatchObject({ sender: 'operator@h1', seq: Number.MAX_SAFE_INTEGER });
    expect((err as SenderMismatch).claimed.signer).toBe('agent');
  });

  it('will not seal an operator or reconciler sender with an agent keyring', () => {
    expect(errorOf(() => sealEnvelope(NS, events, msg({ sender: 'operator@h1' }), agent)).code).toBe(
      'MAM_ERR_SENDER_MISMATCH',
    );
    const state = topics.state(NS, 'J1');
    expect(
      errorOf(() => sealEnvelope(NS, state, msg({ type: 'job.state', sender: 'reconciler@h1' }), agent)).code,
    ).toBe('MAM_ERR_SENDER_MISMATCH');
  });

  it("refuses a job's own state snapshot, output or status forged with its job key", () => {
    const stateBody = { state: 'done', reason: null, gen: 1, hwm: [] };
    for (const [topic, m] of [
      [topics.state(NS, 'J1'), msg({ type: 'job.state', sender: 'reconciler@h1', body: stateBody })],
      [topics.output(NS, 'J1'), msg({ type: 'job.output', sender: 'reconciler@h1', body: { data: 'x' } })],
    ] as const) {
      expect(errorOf(() => openEnvelope(NS, topic, signWithJobKey(topic, m), ring, MAX)).code, topic).toBe(
        'MAM_ERR_BAD_SIGNATURE',
      );
    }
  });

  it('refuses an agent sender on a control topic, even from the master keyring', () => {
    const control = topics.control(NS, 'h1');
    const create = msg({ type: 'control.create', body: { agent: 'command' } });
    expect(errorOf(() => sealEnvelope(NS, control, create, ring)).code).toBe('MAM_ERR_SENDER_MISMATCH');
  });
});
