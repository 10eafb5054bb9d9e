/**
 * The broker's job ownership (which host's login may publish a job's topics)
 * outlives a broker restart: B still cannot publish for C's job, and still can
 * for its own.
 */
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobOwnersPath } from '../../broker/job-owners.js';
import type { Login } from '../../core/credentials.js';
import { topics } from '../../core/topics.js';
import { addHostLogins, publishWithLogin } from '../helpers/host-login.js';
import { publishAll, sealCreate, sealEvent, startMesh, type Mesh } from '../helpers/reconciler.js';

let m: Mesh;
let logins: Record<string, Login> = {};

beforeAll(async () => {
  m = await startMesh();
  logins = await addHostLogins(m.tw, [['B'], ['C'], ['O', '--operator']]);
  const op = await m.connect('operator');
  await publishAll(op, [sealCreate(m, 'JB', 'B'), sealCreate(m, 'JC', 'C')]);
}, 60_000);

afterAll(() => m?.close());

/** What B's login may publish now: its own job's state, C's job's state and events. */
async function whatBMayPublish() {
  const pub = (topic: string) => publishWithLogin(m.broker.url, m.ctx.endpoint.ca, logins.B, topic, 'x');
  return {
    ownState: await pub(topics.state('rec', 'JB')),
    ownEvents: await pub(topics.events('rec', 'JB')),
    othersState: await pub(topics.state('rec', 'JC')),
    othersEvents: await pub(topics.events('rec', 'JC')),
  };
}

const ownJobOnly = { ownState: true, ownEvents: true, othersState: false, othersEvents: false };

describe("the broker's job ownership", () => {
  it('confines B to its own job before a restart', async () => {
    expect(await whatBMayPublish()).toEqual(ownJobOnly);
  });

  it('is kept in a 0600 file and survives a broker restart: B still may publish for its job only', async () => {
    expect(statSync(jobOwnersPath(m.ctx.ws)).mode & 0o777).toBe(0o600);
    await m.restartBroker();
    expect(await whatBMayPublish()).toEqual(ownJobOnly);
  });

  it('gives a job to no host from a forged or repeated create', async () => {
    // B claims C's job with a create on its own control topic, signed without the operator key: the owner stays C.
    const forged = JSON.stringify({ kid: 'x', sig: 'y', msg: '{}' });
    expect(await publishWithLogin(m.broker.url, m.ctx.endpoint.ca, logins.B, topics.control('rec', 'B'), forged)).toBe(
      true,
    );
    const again = sealEvent(m, {
      job: 'JC',
      seq: 2,
      sender: 'operator',
      type: 'control.create',
      topic: topics.control('rec', 'B'),
      body: { agent: 'command', launch: false },
    });
    await publishAll(await m.connect('operator'), [again]);
    await m.restartBroker();
    expect((await whatBMayPublish()).othersState).toBe(false);
  });

  it("lets an operator host's login send commands and operator events to any host's jobs, and no job state", async () => {
    const pub = (login: Login, topic: string) => publishWithLogin(m.broker.url, m.ctx.endpoint.ca, login, topic, 'x');
    expect(await pub(logins.O, topics.control('rec', 'C'))).toBe(true);
    expect(await pub(logins.O, topics.events('rec', 'JC'))).toBe(true);
    expect(await pub(logins.O, topics.verdicts('rec', 'JC'))).toBe(true);
    expect(await pub(logins.O, topics.state('rec', 'JC'))).toBe(false);
    expect(await pub(logins.B, topics.control('rec', 'C'))).toBe(false);
  });
});
