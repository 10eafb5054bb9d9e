import type { Msg } from '../../core/envelope.js';
import { hostKeyring } from '../../core/host-keyring.js';
import type { JoinBundle } from '../../core/host-identity.js';
import { hmac } from '../../core/keys.js';
import { topics } from '../../core/topics.js';

/**
 * What a compromised host can sign: any topic and text, with the keys of its own bundle, the way a
 * hand-written client would (no mam code refusing to). `scope` picks which of its keys.
 */
export function forger(bundle: JoinBundle) {
  const ring = hostKeyring(bundle.host, bundle.active, bundle.keys);
  return (topic: string, msg: Msg<object>, scope: string): Buffer => {
    const text = JSON.stringify(msg);
    const sig = hmac(ring.keyFor(ring.activeKid, scope)!, `mam-v1\n${topic}\n${text}`).toString('base64url');
    return Buffer.from(JSON.stringify({ kid: ring.activeKid, sig, msg: text }));
  };
}

export const msgOf = (
  ns: string,
  job: string,
  type: string,
  sender: string,
  body: object,
  seq = Date.now(),
): Msg<object> => ({ v: 1, ns, job, type, sender, gen: 0, seq, ts: Date.now(), body });

/**
 * The four forgeries of a compromised host B against host C and C's job `job`: C's job state, a
 * done for C's job, a control for C, and an operator command without the operator key.
 */
export function forgeriesAgainst(ns: string, bundleB: JoinBundle, job: string, host: string) {
  const forge = forger(bundleB);
  const b = bundleB.host;
  const state = { state: 'done', gen: 0, host, updatedAt: Date.now() };
  return [
    {
      what: `${host}'s job state`,
      topic: topics.state(ns, job),
      payload: forge(topics.state(ns, job), msgOf(ns, job, 'job.state', `reconciler@${host}`, state), `@host:${b}`),
    },
    {
      what: `a done for ${host}'s job`,
      topic: topics.events(ns, job),
      payload: forge(
        topics.events(ns, job),
        msgOf(ns, job, 'job.done', 'agent', { summary: 'forged' }),
        `@host:${b}/${job}`,
      ),
    },
    {
      what: `a control for ${host}`,
      topic: topics.control(ns, host),
      payload: forge(
        topics.control(ns, host),
        msgOf(ns, 'JX', 'control.create', 'operator', { agent: 'command', launch: false }),
        `@operator/@to:${b}`,
      ),
    },
    {
      what: 'an operator command without the operator key',
      topic: topics.events(ns, job),
      payload: forge(
        topics.events(ns, job),
        msgOf(ns, job, 'job.cancelled', 'operator', { reason: 'forged' }),
        `@operator/@to:${b}`,
      ),
    },
  ];
}
