import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../broker/client.js';
import { newClientId, reconcilerClientId } from '../../broker/client-ids.js';
import { agentLogin } from '../../core/credentials.js';
import type { Reconciler } from '../../subscriber/reconciler.js';
import { connectError, loginOf, type Who } from '../helpers/mesh.js';
import {
  count,
  publishAll,
  sealEvent,
  seedJobs,
  startMesh,
  startReconciler,
  waitUntil,
  type Mesh,
} from '../helpers/reconciler.js';

// A CONNECT with a client id in use takes that session over: each id is accepted from its own login only.
let m: Mesh;
let rec: Reconciler | undefined;

beforeAll(async () => {
  m = await startMesh();
  rec = await startReconciler(m);
  await seedJobs(m, await m.connect(), ['J1', 'J2']);
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

const committedOf = (job: string) =>
  count(m, "SELECT COUNT(*) AS n FROM events WHERE job = ? AND sender = 'agent'", job);

/** The broker's CONNACK code when `who` connects with `clientId` (clean or not); 0 when accepted. */
async function connackFor(who: Who, clientId: string, clean = true): Promise<number> {
  const login = loginOf(m.ctx, who);
  const c = await connectClient({
    url: m.broker.url,
    ca: m.ctx.endpoint.ca,
    ...login,
    clientId,
    clean,
    reconnectMs: 0,
    connectTimeoutMs: 5000,
  }).catch((e: { cause?: { code?: number } }) => e);
  if ('mqtt' in c) {
    await c.close();
    return 0;
  }
  return c.cause?.code ?? -1;
}

describe('client ids bound to logins', () => {
  it("refuses an agent login using the reconciler's client id; the reconciler keeps every event", async () => {
    const agent = await connectClient({
      url: m.broker.url,
      ca: m.ctx.endpoint.ca,
      ...agentLogin(m.ctx.creds, 'J1'),
      reconnectMs: 0,
    });
    const N = 20;
    const events = Array.from({ length: N }, (_, i) => sealEvent(m, { job: 'J1', seq: i + 1 }));
    await publishAll(agent, events.slice(0, N / 2));
    // clean: true would wipe the reconciler's subscription; clean: false would inherit its queue.
    expect(await connackFor({ agent: 'J1' }, reconcilerClientId(m.ns, m.host), true)).toBe(5);
    expect(await connackFor({ agent: 'J1' }, reconcilerClientId(m.ns, m.host), false)).toBe(5);
    await publishAll(agent, events.slice(N / 2));
    await waitUntil(() => committedOf('J1'), N, 'every event committed by the reconciler');
    await agent.close();
  });

  it("refuses another job's agent id, and every other role's id, to an agent login", async () => {
    for (const id of [
      newClientId('agent:J2'),
      'agent-J1',
      'agent-J1-a-b',
      'agent-J1-x/y',
      newClientId('operator'),
      newClientId('reader'),
      newClientId('reconciler'),
      newClientId('agent'),
      'mqttjs_1234',
      '',
    ]) {
      expect(await connackFor({ agent: 'J1' }, id), id).toBe(5);
    }
  });

  it("refuses the reconciler's id to the operator and reader, and role ids across roles", async () => {
    expect(await connackFor('operator', reconcilerClientId(m.ns, m.host))).toBe(5);
    expect(await connackFor('reader', reconcilerClientId(m.ns, m.host))).toBe(5);
    expect(await connackFor('reader', newClientId('operator'))).toBe(5);
    expect(await connackFor('operator', newClientId('agent:J1'))).toBe(5);
    // Another namespace's reconciler id is not this broker's.
    expect(await connackFor('reconciler', reconcilerClientId('other', m.host))).toBe(5);
  });

  it("accepts each role's own ids", async () => {
    for (const who of ['operator', 'reader', 'reconciler', { agent: 'J2' }] as Who[]) {
      expect(await connackFor(who, newClientId(loginOf(m.ctx, who).username)), JSON.stringify(who)).toBe(0);
    }
    // Each host's reconciler logs in as host:<name>: another host's durable id is not its own.
    expect(loginOf(m.ctx, 'reconciler').username).toBe(`host:${m.host}`);
    expect(await connackFor('reconciler', reconcilerClientId(m.ns, 'otherhost'), false)).toBe(5);
    // The factory's default id is the login's own.
    const c = await connectClient({
      url: m.broker.url,
      ca: m.ctx.endpoint.ca,
      ...agentLogin(m.ctx.creds, 'J2'),
      reconnectMs: 0,
    });
    expect(c.mqtt.options.clientId).toMatch(/^agent-J2-[0-9a-f]{12}$/);
    await c.close();
  });

  it('maps a refused client id to MAM_ERR_BROKER_REFUSED', async () => {
    const err = await connectError({
      url: m.broker.url,
      ca: m.ctx.endpoint.ca,
      ...agentLogin(m.ctx.creds, 'J1'),
      clientId: reconcilerClientId(m.ns, m.host),
    });
    expect(err.code).toBe('MAM_ERR_BROKER_REFUSED');
  });
});
