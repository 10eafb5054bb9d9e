/**
 * The first connection of every client is checked by mam against the pinned
 * CA (broker/pinned-tls.ts) instead of by OpenSSL. It must accept exactly the
 * broker certificates the CA issued for the host, and nothing may be written
 * to a connection it does not accept: a broker login must never reach a
 * server the pinned CA does not vouch for.
 */
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../broker/client.js';
import { connectPinned, pinnedCertProblem } from '../../broker/pinned-tls.js';
import { defaultSans, generateCa, generateServerCert, type CertPair } from '../../core/tls-certs.js';

let ca: CertPair;
let otherCa: CertPair;
let good: CertPair;
let elsewhere: CertPair;
let byOther: CertPair;
const servers: Server[] = [];

/** A TLS server that counts the application bytes it receives; it answers nothing. */
async function listen(pair: CertPair): Promise<{ port: number; received: () => number }> {
  let received = 0;
  const server = createServer({ cert: pair.certPem, key: pair.keyPem }, (socket) => {
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { port: (server.address() as AddressInfo).port, received: () => received };
}

beforeAll(async () => {
  [ca, otherCa] = await Promise.all([generateCa({ commonName: 'pinned CA', days: 30 }), generateCa({ commonName: 'someone else', days: 30 })]);
  [good, elsewhere, byOther] = await Promise.all([
    generateServerCert({ ca, ...defaultSans([]), days: 7 }),
    generateServerCert({ ca, hostnames: ['broker.example'], ips: ['10.9.8.7'], days: 7 }),
    generateServerCert({ ca: otherCa, ...defaultSans([]), days: 7 }),
  ]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('pinnedCertProblem', () => {
  const x = (p: CertPair) => new X509Certificate(p.certPem);

  it('accepts a certificate the pinned CA issued, for a name or an address it names', () => {
    expect(pinnedCertProblem(x(good), x(ca), '127.0.0.1')).toBeUndefined();
    expect(pinnedCertProblem(x(good), x(ca), 'localhost')).toBeUndefined();
    expect(pinnedCertProblem(x(elsewhere), x(ca), 'broker.example')).toBeUndefined();
  });

  it('refuses another CA, another host, the CA itself, no certificate, and any time outside the validity', () => {
    expect(pinnedCertProblem(x(byOther), x(ca), '127.0.0.1')).toMatch(/not issued by the pinned CA/);
    expect(pinnedCertProblem(x(elsewhere), x(ca), '127.0.0.1')).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list/);
    expect(pinnedCertProblem(x(elsewhere), x(ca), 'other.example')).toMatch(/Host: other\.example/);
    expect(pinnedCertProblem(x(ca), x(ca), '127.0.0.1')).toMatch(/is a CA certificate/);
    expect(pinnedCertProblem(x(good), x(good), '127.0.0.1')).toMatch(/not a CA/);
    expect(pinnedCertProblem(undefined, x(ca), '127.0.0.1')).toMatch(/no certificate/);
    const day = 86_400_000;
    expect(pinnedCertProblem(x(good), x(ca), '127.0.0.1', Date.now() + 8 * day)).toMatch(/validity/);
    expect(pinnedCertProblem(x(good), x(ca), '127.0.0.1', Date.now() - 2 * day)).toMatch(/validity/);
  });
});

describe('connectPinned', () => {
  it('hands over a connection to a server the CA vouches for, with nothing written to it', async () => {
    const server = await listen(good);
    const socket = await connectPinned('127.0.0.1', server.port, ca.certPem, 5000);
    expect(socket?.encrypted).toBe(true);
    socket!.write('hello');
    await expect.poll(server.received).toBe(5);
    socket!.destroy();
  });

  it('closes a connection to a server the CA does not vouch for without writing a byte, and says so by resolving undefined', async () => {
    for (const [pair, host] of [[byOther, '127.0.0.1'], [elsewhere, '127.0.0.1']] as const) {
      const server = await listen(pair);
      expect(await connectPinned(host, server.port, ca.certPem, 5000)).toBeUndefined();
      expect(server.received()).toBe(0);
    }
  });

  it('rejects when nothing listens', async () => {
    const server = await listen(good);
    const port = server.port;
    await new Promise((r) => servers.pop()!.close(r));
    await expect(connectPinned('127.0.0.1', port, ca.certPem, 5000)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('connectClient against a server the pinned CA does not vouch for', () => {
  it('fails as OpenSSL reports it, and the login never reaches the server', async () => {
    const server = await listen(byOther);
    const err = await connectClient({ url: `mqtts://127.0.0.1:${server.port}`, ca: ca.certPem, username: 'operator', password: 'secret', reconnectMs: 0 }).then(
      () => undefined,
      (e: Error & { code?: string; cause?: { code?: string } }) => e,
    );
    expect(err?.code).toBe('MAM_ERR_BROKER_UNREACHABLE');
    expect(err?.cause?.code).toMatch(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)$/);
    expect(server.received()).toBe(0);
  });
});
