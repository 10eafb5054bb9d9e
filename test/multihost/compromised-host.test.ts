import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContext } from '../../core/context.js';
import { agentLogin } from '../../core/credentials.js';
import { topics } from '../../core/topics.js';
import { msgOf, rejectionsOn, startCompromisedMesh, type CompromisedMesh } from '../helpers/compromised-mesh.js';
import { forgeriesAgainst } from '../helpers/forge.js';
import { eventually, tryConnect } from '../helpers/mesh.js';
import { publishAll, sealEvent, type Mesh } from '../helpers/reconciler.js';
import { readRegistry, runMam } from '../helpers/workspace.js';

let s: CompromisedMesh;
let m: Mesh;
let cDir: string;
const forge: CompromisedMesh['forge'] = (...a) => s.forge(...a);
const publishAsB: CompromisedMesh['publishAsB'] = (...a) => s.publishAsB(...a);

beforeAll(async () => {
  s = await startCompromisedMesh();
  ({ m, cDir } = s);
}, 60_000);

afterAll(() => s?.close());

describe('a joined host', () => {
  it("gives its sessions agent logins the broker checks against the job's owner", async () => {
    const loginFrom = (agentSecret: string) => agentLogin({ ...m.ctx.creds, agentSecret }, 'JC');
    const cLogin = loginFrom(loadContext(cDir, { ...m.tw.env, MAM_HOME: cDir }).creds.agentSecret);
    const opts = { ca: m.ctx.endpoint.ca, clientId: 'agent-JC-x1', reconnectPeriod: 0, protocolVersion: 4 as const };
    expect((await tryConnect(m.broker.url, { ...opts, ...cLogin })).connected).toBe(true);
    expect((await tryConnect(m.broker.url, { ...opts, ...loginFrom(s.bundleB.agentSecret) })).connected).toBe(false);
  });
});

describe('a compromised host B', () => {
  it("C's reconciler publishes its job's state and status under its own login and key; the admin takes them", async () => {
    // C's snapshot of JC reached the admin and was taken (no refusal recorded there).
    expect(rejectionsOn(m.ctx.ws.db, 'sender_mismatch')).toBe(0);
    expect(rejectionsOn(m.ctx.ws.db, 'bad_signature')).toBe(0);
    expect(
      await publishAsB(
        topics.status('rec', 'B'),
        forge(topics.status('rec', 'B'), msgOf('B', 'host.status', 'reconciler@B', { status: 'online' }), '@host:B'),
      ),
    ).toBe(true);
  });

  const forgeries = () => forgeriesAgainst('rec', s.bundleB, 'JC', 'C');

  it('is refused by the broker ACL for each forgery under its own login', async () => {
    for (const f of forgeries()) expect(await publishAsB(f.topic, f.payload), f.what).toBe(false);
  });

  it('is refused and recorded by the reconcilers when a broker lets the forgeries through; nothing changes on C', async () => {
    // The admin's reconciler login publishes anything, as an external broker without per-host ACLs would let B do.
    const loose = await m.connect('reconciler');
    const before = rejectionsOn(join(cDir, '.mam', 'mam.db'), 'bad_signature');
    await publishAll(loose, forgeries());
    await eventually(() => {
      expect(rejectionsOn(join(cDir, '.mam', 'mam.db'), 'bad_signature') - before).toBe(4);
      expect(rejectionsOn(m.ctx.ws.db, 'bad_signature')).toBeGreaterThanOrEqual(4);
    });
    readRegistry(join(cDir, '.mam', 'mam.db'), (r) => {
      expect(r.getJob('JC')?.state).toBe('starting');
      expect(r.getJob('JX')).toBeUndefined();
    });
    readRegistry(m.ctx.ws.db, (r) => expect(r.getJob('JC')?.state).toBe('starting'));
  });

  it("a revoked host's login stops working without a restart, on a connection already open too", async () => {
    const op = await m.connect('operator');
    const create = { job: 'JB', seq: 1, sender: 'operator', type: 'control.create' };
    await publishAll(op, [
      sealEvent(m, { ...create, topic: topics.control('rec', 'B'), body: { agent: 'command', launch: false } }),
    ]);
    await eventually(() => expect(readRegistry(m.ctx.ws.db, (r) => r.getJob('JB')?.host)).toBe('B'));
    const status = topics.status('rec', 'B');
    const payload = () => forge(status, msgOf('B', 'host.status', 'reconciler@B', { status: 'online' }), '@host:B');
    const open = await mqtt.connectAsync(m.broker.url, {
      ca: m.ctx.endpoint.ca,
      username: s.bundleB.login.username,
      password: s.bundleB.login.password,
      clientId: 'mam-host-open1',
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    open.on('error', () => {});
    await open.publishAsync(status, payload(), { qos: 1 });
    expect((await runMam(m.tw, ['host', 'revoke', 'B'])).exitCode).toBe(0);
    // The broker reads hosts.json again at most every 500 ms.
    await new Promise((r) => setTimeout(r, 700));
    const closed = new Promise<boolean>((r) => open.once('close', () => r(true)));
    open.publish(status, payload(), { qos: 1 });
    expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r(false), 3000))])).toBe(true);
    open.end(true);
    expect(await publishAsB(status, payload())).toBe(false);
    // And the admin's reconciler no longer accepts B's key, whatever broker carries its messages.
    const body = { state: 'running', gen: 0, host: 'B', updatedAt: Date.now() };
    const forged = forge(topics.state('rec', 'JB'), msgOf('JB', 'job.state', 'reconciler@B', body), '@host:B');
    await publishAll(await m.connect('reconciler'), [{ topic: topics.state('rec', 'JB'), payload: forged }]);
    const refusedOfJB = () =>
      readRegistry(m.ctx.ws.db, (r) => r.listRejections({ topic: topics.state('rec', 'JB') }).map((x) => x.reason));
    await eventually(() => expect(refusedOfJB()).toEqual(['bad_signature']));
    expect(readRegistry(m.ctx.ws.db, (r) => r.getJob('JB')?.state)).toBe('starting');
  });
});
