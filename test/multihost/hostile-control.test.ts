/**
 * Every kind of command a host acts on (create, stop, resume, breaker reset,
 * verdict, approve) is taken only when addressed to that host and signed with
 * an operator key: host B, compromised, signs each for C's job JC with the keys
 * of its bundle. Whatever broker carries them (here the admin's login, which may
 * publish anything, stands for one without per-host ACLs), C refuses and
 * records each, and neither C nor the admin changes JC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealEnvelope, type Msg } from '../../core/envelope.js';
import { topics } from '../../core/topics.js';
import { msgOf, rejectionsOn, startCompromisedMesh, type CompromisedMesh } from '../helpers/compromised-mesh.js';
import { eventually } from '../helpers/mesh.js';
import { publishAll } from '../helpers/reconciler.js';
import { readRegistry } from '../helpers/workspace.js';

let s: CompromisedMesh;
beforeAll(async () => {
  s = await startCompromisedMesh();
}, 60_000);
afterAll(() => s?.close());

const HOST = '@host:B';
const CONTROL = '@operator/@to:B';
const verdict = { verdict: 'PASS', findings: [], reviewer: 'operator@B' };

/** B's forgeries for C: [what, topic, message, scope of B's key that signs it]. */
const forgeries = (): Array<[string, string, Msg<object>, string]> => [
  ['a stop signed with its host key', topics.events('rec', 'JC'), msgOf('JC', 'job.cancelled', 'operator', {}), HOST],
  [
    'a stop signed with its control key',
    topics.events('rec', 'JC'),
    msgOf('JC', 'job.cancelled', 'operator', {}),
    CONTROL,
  ],
  ['a resume sent to C', topics.control('rec', 'C'), msgOf('JC', 'control.resume', 'operator', {}), CONTROL],
  [
    'a resume signed with its host key',
    topics.control('rec', 'C'),
    msgOf('JC', 'control.resume', 'operator', {}),
    HOST,
  ],
  [
    'a create sent to C',
    topics.control('rec', 'C'),
    msgOf('JX', 'control.create', 'operator', { agent: 'command' }),
    CONTROL,
  ],
  [
    'a breaker reset for C',
    topics.control('rec', 'C'),
    msgOf('breaker-command', 'breaker.reset', 'operator', { agent: 'command' }),
    CONTROL,
  ],
  [
    'an approve (operator verdict)',
    topics.verdicts('rec', 'JC'),
    msgOf('JC', 'review.verdict', 'operator@B', verdict),
    CONTROL,
  ],
  [
    'a verdict as its agent',
    topics.verdicts('rec', 'JC'),
    msgOf('JC', 'review.verdict', 'agent', verdict),
    `${HOST}/JC`,
  ],
];

const jcOn = (db: string) => readRegistry(db, (r) => ({ state: r.getJob('JC')?.state, gen: r.getJob('JC')?.gen }));

describe('commands for C forged by B', () => {
  it('are each refused and recorded on C (bad_signature); JC stays as it was on C and on the admin', async () => {
    const before = rejectionsOn(s.cDb, 'bad_signature');
    const loose = await s.m.connect('reconciler');
    const list = forgeries();
    await publishAll(
      loose,
      list.map(([, topic, msg, scope]) => ({ topic, payload: s.forge(topic, msg, scope) })),
    );
    await eventually(() => expect(rejectionsOn(s.cDb, 'bad_signature') - before).toBe(list.length));
    expect(jcOn(s.cDb)).toEqual({ state: 'starting', gen: 0 });
    expect(jcOn(s.m.ctx.ws.db)).toEqual({ state: 'starting', gen: 0 });
    readRegistry(s.cDb, (r) => expect(r.getJob('JX')).toBeUndefined());
  });

  it("a resume of C's job sent to B itself (B's own control key) is acted on by no one: the admin refuses it", async () => {
    // JC cancelled by the operator (with the control key of C), so that a resume would be a legal transition.
    const events = topics.events('rec', 'JC');
    const cancel = sealEnvelope(
      'rec',
      events,
      msgOf('JC', 'job.cancelled', 'operator', {}),
      s.m.ctx.keyring,
      () => 'C',
    );
    await publishAll(await s.m.connect('operator'), [{ topic: events, payload: cancel }]);
    await eventually(() => expect(jcOn(s.m.ctx.ws.db).state).toBe('cancelled'));
    await eventually(() => expect(jcOn(s.cDb).state).toBe('cancelled'));
    // B may publish on its own control topic, and its control key signs for it: only the addressee differs.
    const topic = topics.control('rec', 'B');
    expect(await s.publishAsB(topic, s.forge(topic, msgOf('JC', 'control.resume', 'operator', {}), CONTROL))).toBe(
      true,
    );
    const refusedOnAdmin = () => readRegistry(s.m.ctx.ws.db, (r) => r.listRejections({ topic }).map((x) => x.reason));
    await eventually(() => expect(refusedOnAdmin()).toEqual(['topic_mismatch']));
    expect(jcOn(s.m.ctx.ws.db)).toEqual({ state: 'cancelled', gen: 0 });
    expect(jcOn(s.cDb)).toEqual({ state: 'cancelled', gen: 0 });
  });
});
