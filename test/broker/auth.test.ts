import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { newClientId } from '../../broker/client-ids.js';
import { isMamError } from '../../core/errors.js';
import { generateCa } from '../../core/tls-certs.js';
import { connectError, loginOf, tryConnect, useBrokerSuite, type Who } from '../helpers/mesh.js';

// What Node reports when the peer's certificate does not chain to the pinned CA.
const UNTRUSTED = [
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
];

const suite = useBrokerSuite('test', { plaintextPort: 0 });

describe('broker authentication', () => {
  it.each<Who>(['reconciler', 'operator', 'reader', { agent: 'J1' }])('accepts the valid login of %j', async (who) => {
    const c = await suite.connect(who);
    expect(c.mqtt.connected).toBe(true);
  });

  it('refuses an anonymous connect (no username) with CONNACK 4', async () => {
    const r = await tryConnect(suite.broker.url, { ca: suite.ctx.endpoint.ca });
    expect(r.connected).toBe(false);
    expect(r.error?.code).toBe(4);
  });

  it('refuses a username without password', async () => {
    const r = await tryConnect(suite.broker.url, { ca: suite.ctx.endpoint.ca, username: 'operator' });
    expect(r.connected).toBe(false);
    expect([4, 5]).toContain(r.error?.code);
  });

  it('maps a wrong password to MAM_ERR_BROKER_REFUSED', async () => {
    const err = await connectError({
      url: suite.broker.url,
      ca: suite.ctx.endpoint.ca,
      username: 'operator',
      password: 'wrong',
    });
    expect(isMamError(err, 'BROKER_REFUSED')).toBe(true);
    expect([4, 5]).toContain(err.cause?.code);
  });

  it("refuses an agent password used for another job's login", async () => {
    const other = loginOf(suite.ctx, { agent: 'J2' });
    const err = await connectError({
      url: suite.broker.url,
      ca: suite.ctx.endpoint.ca,
      username: 'agent:J1',
      password: other.password,
    });
    expect(err.code).toBe('MAM_ERR_BROKER_REFUSED');
  });

  it('refuses an agent login whose job id is not a topic level', async () => {
    const bad = loginOf(suite.ctx, { agent: 'a/#' });
    const err = await connectError({ url: suite.broker.url, ca: suite.ctx.endpoint.ca, ...bad });
    expect(err.code).toBe('MAM_ERR_BROKER_REFUSED');
  });

  it('gives plaintext MQTT on the TLS port no CONNACK', async () => {
    const port = new URL(suite.broker.url).port;
    const r = await tryConnect(`mqtt://127.0.0.1:${port}`, { ...suite.ctx.creds.reader, connectTimeout: 3000 });
    expect(r.connected).toBe(false);
  });

  it('fails the TLS handshake for a client pinning another CA', async () => {
    const other = await generateCa({ commonName: 'someone else', days: 1 });
    const raw = await tryConnect(suite.broker.url, { ca: other.certPem, ...suite.ctx.creds.reader });
    expect(raw.connected).toBe(false);
    expect(UNTRUSTED).toContain(raw.error?.code);

    const err = await connectError({ url: suite.broker.url, ca: other.certPem, ...suite.ctx.creds.reader });
    expect(err.code).toBe('MAM_ERR_BROKER_UNTRUSTED');
    expect(UNTRUSTED).toContain(err.cause?.code);
    expect((err as { hint?: string }).hint).toMatch(/another workspace's broker.*broker\.port/);
  });

  it('refuses a client that trusts no CA at all (system store is never enough)', async () => {
    const r = await tryConnect(suite.broker.url, { ...suite.ctx.creds.reader, rejectUnauthorized: true });
    expect(r.connected).toBe(false);
    expect(UNTRUSTED).toContain(r.error?.code);
  });
});

describe('plaintext debug listener', () => {
  it('authenticates like the TLS listener', async () => {
    const url = `mqtt://127.0.0.1:${suite.broker.plaintextPort}`;
    expect((await tryConnect(url, { ...suite.ctx.creds.reader, clientId: newClientId('reader') })).connected).toBe(
      true,
    );
    const anon = await tryConnect(url, {});
    expect(anon).toMatchObject({ connected: false, error: { code: 4 } });
  });

  it('binds 127.0.0.1 only', async () => {
    expect(suite.broker.plaintextPort).toBeGreaterThan(0);
    // Linux routes all of 127/8 to loopback: a socket bound to 0.0.0.0 or 127/8 would answer on 127.0.0.2.
    const others = ['127.0.0.2'];
    for (const addrs of Object.values(networkInterfaces())) {
      for (const a of addrs ?? []) if (!a.internal && a.family === 'IPv4') others.push(a.address);
    }
    for (const host of others) {
      const r = await tryConnect(`mqtt://${host}:${suite.broker.plaintextPort}`, {
        ...suite.ctx.creds.reader,
        connectTimeout: 2000,
      });
      expect(r.connected, host).toBe(false);
      if (r.error?.code) expect(r.error.code, host).toMatch(/ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH|EHOSTUNREACH/);
    }
  });
});
