import { X509Certificate } from 'node:crypto';
import { createServer as createNetServer } from 'node:net';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { connect, createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSans, describeCert, generateCa, generateServerCert } from '../../core/tls-certs.js';
import type { CertPair } from '../../core/tls-certs.js';

// Some CI containers have no IPv6 loopback; the ::1 case runs only where one can listen.
async function canListenOn(host: string): Promise<boolean> {
  const probe = createNetServer();
  try {
    probe.listen(0, host);
    await once(probe, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}
const hasIpv6Loopback = await canListenOn('::1');

async function listenTls(host: string, pair: CertPair): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert: pair.certPem, key: pair.keyPem }, (socket) => socket.end());
  // A client that refuses our certificate aborts the handshake; that is the expected outcome here.
  server.on('tlsClientError', () => {});
  server.listen(0, host);
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

/** Connects and reports whether the peer was authorized, or the error code that refused it. */
function tryConnect(opts: {
  host: string;
  port: number;
  ca: string;
  servername?: string;
}): Promise<{ authorized: boolean } | { code: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: opts.host, port: opts.port, ca: opts.ca, servername: opts.servername });
    socket.once('secureConnect', () => {
      resolve({ authorized: socket.authorized });
      socket.end();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      resolve({ code: err.code ?? String(err) });
      socket.destroy();
    });
  });
}

describe('tls-certs', () => {
  let ca: CertPair;
  let otherCa: CertPair;
  let server: CertPair;
  const servers: Server[] = [];
  let port4: number;

  beforeAll(async () => {
    [ca, otherCa] = await Promise.all([
      generateCa({ commonName: 'mam test CA', days: 30 }),
      generateCa({ commonName: 'other CA', days: 30 }),
    ]);
    server = await generateServerCert({ ca, ...defaultSans([]), days: 7 });
    const v4 = await listenTls('127.0.0.1', server);
    servers.push(v4.server);
    port4 = v4.port;
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('issues PKCS#8 keys and a CA / leaf pair with the expected extensions', () => {
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(server.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const caCert = new X509Certificate(ca.certPem);
    const leaf = new X509Certificate(server.certPem);
    expect(caCert.ca).toBe(true);
    expect(caCert.checkIssued(caCert)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // node names the EKU list keyUsage; this is serverAuth
    expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    for (const cert of [caCert, leaf]) {
      expect(cert.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
    }
    expect(caCert.serialNumber).not.toBe(leaf.serialNumber);
  });

  it('is trusted by a client pinning the CA, by DNS name', async () => {
    expect(await tryConnect({ host: '127.0.0.1', port: port4, ca: ca.certPem, servername: 'localhost' })).toEqual({
      authorized: true,
    });
  });

  it('is trusted when the client checks the IPv4 address against the IP SANs', async () => {
    expect(await tryConnect({ host: '127.0.0.1', port: port4, ca: ca.certPem })).toEqual({ authorized: true });
  });

  it.skipIf(!hasIpv6Loopback)('is trusted when the client checks ::1 against the IP SANs', async () => {
    const v6 = await listenTls('::1', server);
    servers.push(v6.server);
    expect(await tryConnect({ host: '::1', port: v6.port, ca: ca.certPem })).toEqual({ authorized: true });
  });

  it('is refused by a client pinning a different CA', async () => {
    const result = await tryConnect({ host: '127.0.0.1', port: port4, ca: otherCa.certPem, servername: 'localhost' });
    expect(result).toEqual({
      code: expect.stringMatching(
        /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)$/,
      ),
    });
  });

  it('is refused for a hostname outside its SANs', async () => {
    expect(
      await tryConnect({ host: '127.0.0.1', port: port4, ca: ca.certPem, servername: 'not-in-san.example' }),
    ).toEqual({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('describes SANs, issuer and validity', () => {
    const d = describeCert(server.certPem);
    expect(d.subject).toBe('CN=localhost');
    expect(d.issuer).toBe('CN=mam test CA');
    expect(d.sans).toEqual(expect.arrayContaining(['DNS:localhost', `DNS:${hostname()}`, 'IP:127.0.0.1', 'IP:::1']));
    // Certificate times have whole-second precision.
    expect(Math.abs(d.notBefore.getTime() - (Date.now() - 5 * 60_000))).toBeLessThan(60_000);
    expect(Math.abs(d.notAfter.getTime() - (Date.now() + 7 * 86_400_000))).toBeLessThan(60_000);
    expect(describeCert(ca.certPem).sans).toEqual([]);
  });

  it('names IPv6 SANs in canonical form, including an IPv4-mapped tail', async () => {
    const pair = await generateServerCert({
      ca,
      hostnames: [],
      ips: ['FE80:0:0:0:0:0:0:1', '::ffff:10.1.2.3'],
      days: 1,
    });
    expect(describeCert(pair.certPem).sans).toEqual(['IP:fe80::1', 'IP:::ffff:a01:203']);
    expect(describeCert(pair.certPem).subject).toBe('CN=fe80::1');
  });

  it('rejects what a certificate cannot hold, with MAM_ERR_CONFIG_INVALID', async () => {
    const days = 1;
    await expect(generateServerCert({ ca, hostnames: ['x'], ips: ['not-an-ip'], days })).rejects.toMatchObject({
      code: 'MAM_ERR_CONFIG_INVALID',
    });
    await expect(generateServerCert({ ca, hostnames: ['x'], ips: ['fe80::1%eth0'], days })).rejects.toMatchObject({
      code: 'MAM_ERR_CONFIG_INVALID',
    });
    await expect(generateServerCert({ ca, hostnames: [], ips: [], days })).rejects.toMatchObject({
      code: 'MAM_ERR_CONFIG_INVALID',
    });
    await expect(
      generateServerCert({ ca: { certPem: ca.certPem, keyPem: otherCa.keyPem }, hostnames: ['x'], ips: [], days }),
    ).rejects.toMatchObject({ code: 'MAM_ERR_CONFIG_INVALID' });
    await expect(generateServerCert({ ca: server, hostnames: ['x'], ips: [], days })).rejects.toMatchObject({
      code: 'MAM_ERR_CONFIG_INVALID',
    });
    await expect(generateCa({ commonName: 'x', days: 0 })).rejects.toMatchObject({ code: 'MAM_ERR_CONFIG_INVALID' });
    expect(() => describeCert('not a certificate')).toThrow(
      expect.objectContaining({ code: 'MAM_ERR_CONFIG_INVALID' }),
    );
  });

  it('defaults to loopback and this host, sorting extras into DNS names and IPs', () => {
    const sans = defaultSans(['mesh.example', '10.0.0.5', '0:0:0:0:0:0:0:1', ' ', 'localhost']);
    expect(sans.hostnames).toEqual(
      ['localhost', hostname(), 'mesh.example'].filter((h, i, all) => all.indexOf(h) === i),
    );
    expect(sans.ips).toEqual(['127.0.0.1', '::1', '10.0.0.5']);
  });
});
