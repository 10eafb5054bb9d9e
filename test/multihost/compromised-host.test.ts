import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostLogins, createJobOwners } from '../../broker/host-logins.js';
import { createBroker } from '../../broker/server.js';
import { loadContext } from '../../core/context.js';
import { agentLogin } from '../../core/credentials.js';
import { hostsPath, type JoinBundle } from '../../core/host-identity.js';
import { silentLogger } from '../../core/logger.js';
import { topics } from '../../core/topics.js';
import { createReconciler, type Reconciler } from '../../subscriber/reconciler.js';
import { forger, forgeriesAgainst, msgOf as msgRec } from '../helpers/forge.js';
import { eventually, tryConnect } from '../helpers/mesh.js';
import { publishAll, sealEvent, startMesh, type Mesh } from '../helpers/reconciler.js';
import { readRegistry, runMam } from '../helpers/workspace.js';

let m: Mesh;
let admin: Reconciler;
let onC: Reconciler;
let cDir: string;
let bundleB: JoinBundle;

/** A forged message: B's key over any topic and text, the way a hand-written client would sign. */
let forge: ReturnType<typeof forger>;
const msgOf = (job: string, type: string, sender: string, body: object) => msgRec('rec', job, type, sender, body);

/** Publishes with B's own login, as a compromised host would: true when the broker accepted it. */
function publishAsB(topic: string, payload: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const c = mqtt.connect(m.broker.url, {
      ca: m.ctx.endpoint.ca,
      username: bundleB.login.username,
      password: bundleB.login.password,
      clientId: `mam-host-${Math.random().toString(16).slice(2, 10)}`,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    c.on('error', () => {});
    c.on('close', () => resolve(false));
    c.on('connect', () =>
      c.publish(topic, payload, { qos: 1 }, (err) => {
        c.end(true);
        resolve(!err);
      }),
    );
  });
}

beforeAll(async () => {
  m = await startMesh();
  for (const h of ['B', 'C'])
    expect((await runMam(m.tw, ['host', 'add', h, '--out', join(m.tw.root, `${h}.json`)])).exitCode).toBe(0);
  bundleB = JSON.parse(readFileSync(join(m.tw.root, 'B.json'), 'utf8'));
  forge = forger(bundleB);
  // The workspace's broker again, now with host logins, on the same port.
  const port = m.broker.port;
  await m.broker.close();
  const ctx = m.ctx;
  const b = await createBroker({
    ns: 'rec',
    credentials: ctx.creds,
    tls: { cert: readFileSync(ctx.ws.serverCert), key: readFileSync(ctx.ws.serverKey) },
    bind: '127.0.0.1',
    port,
    maxPacketBytes: ctx.cfg.broker.maxPacketBytes,
    maxTopicLevels: ctx.cfg.broker.maxTopicLevels,
    logger: silentLogger,
    hosts: {
      logins: createHostLogins(hostsPath(ctx.ws), silentLogger),
      owners: createJobOwners('rec', ctx.keyring, ctx.cfg.events.maxMessageBytes),
    },
  });
  m.broker = { ...b, url: `mqtts://127.0.0.1:${b.port}` };
  cDir = mkdtempSync(join(tmpdir(), 'mam-host-c-'));
  const envC = { ...m.tw.env, MAM_HOME: cDir };
  expect((await runMam(m.tw, ['join', join(m.tw.root, 'C.json')], { env: envC, cwd: cDir })).exitCode).toBe(0);
  admin = await createReconciler(m.tw.context(), silentLogger);
  onC = await createReconciler(loadContext(cDir, envC), silentLogger);
  const op = await m.connect('operator');
  // A job for C, created on the admin workspace: signed with the control key of C.
  const create = sealEvent(m, {
    job: 'JC',
    seq: 1,
    sender: 'operator',
    type: 'control.create',
    topic: topics.control('rec', 'C'),
    body: { agent: 'command', launch: false },
  });
  await publishAll(op, [create]);
  await eventually(() => {
    expect(readRegistry(join(cDir, '.mam', 'mam.db'), (r) => r.getJob('JC')?.state)).toBe('starting');
    expect(readRegistry(m.ctx.ws.db, (r) => r.getJob('JC')?.host)).toBe('C');
  });
}, 60_000);

afterAll(async () => {
  await onC?.close();
  await admin?.close();
  await m?.close();
  rmSync(cDir, { recursive: true, force: true });
});

const rejectionsOn = (db: string, reason: string) =>
  readRegistry(db, (r) => r.listRejections({ limit: 1000 }).filter((x) => x.reason === reason).length);

describe('a joined host', () => {
  it("gives its sessions agent logins the broker checks against the job's owner", async () => {
    const loginFrom = (agentSecret: string) => agentLogin({ ...m.ctx.creds, agentSecret }, 'JC');
    const cLogin = loginFrom(loadContext(cDir, { ...m.tw.env, MAM_HOME: cDir }).creds.agentSecret);
    const opts = { ca: m.ctx.endpoint.ca, clientId: 'agent-JC-x1', reconnectPeriod: 0, protocolVersion: 4 as const };
    expect((await tryConnect(m.broker.url, { ...opts, ...cLogin })).connected).toBe(true);
    expect((await tryConnect(m.broker.url, { ...opts, ...loginFrom(bundleB.agentSecret) })).connected).toBe(false);
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

  const forgeries = () => forgeriesAgainst('rec', bundleB, 'JC', 'C');

  it('is refused by the broker ACL for each forgery under its own login', async () => {
    for (const f of forgeries()) expect(await publishAsB(f.topic, f.payload), f.what).toBe(false);
  });

  it('is refused and recorded by the reconcilers when a broker lets the forgeries through; nothing changes on C', async () => {
    // The reconciler login publishes anything, as an external broker without per-host ACLs would let B do.
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
      username: bundleB.login.username,
      password: bundleB.login.password,
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
