import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { checkServerIdentity, connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';

/**
 * Node 20 builds its store of some 140 bundled root certificates for the
 * first TLS context of a process, even a context given its own `ca`, only to
 * compare it with the context's store (≈ 40 ms of every short-lived `mam`
 * command; later Node releases skip it). A context given an empty CA list
 * builds nothing and trusts nothing: the broker's certificate is checked here
 * instead, against the pinned CA alone, before anything is written to the
 * connection. Whatever this check does not accept goes to OpenSSL's own
 * verification on a new connection, which has the last word.
 */
let trustsNothing: SecureContext | undefined;

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

const within = (c: X509Certificate, now: number) => Date.parse(c.validFrom) <= now && now <= Date.parse(c.validTo);

/**
 * What keeps `peer` from being a server certificate that the pinned CA issued
 * for `host` and that is valid now, or undefined when nothing does: signed by
 * the CA's key, within its validity and the CA's, for server authentication,
 * and naming `host` (a DNS name, or an IP address among its IP SANs).
 */
export function pinnedCertProblem(peer: X509Certificate | undefined, ca: X509Certificate, host: string, now = Date.now()): string | undefined {
  if (!peer) return 'the server sent no certificate';
  if (!ca.ca) return 'the pinned certificate is not a CA';
  if (peer.ca) return 'the server certificate is a CA certificate';
  if (!peer.checkIssued(ca) || !peer.verify(ca.publicKey)) return 'the server certificate was not issued by the pinned CA';
  if (!within(peer, now) || !within(ca, now)) return 'a certificate is outside its validity';
  if (peer.keyUsage && !peer.keyUsage.includes(SERVER_AUTH)) return 'the server certificate is not for server authentication';
  return checkServerIdentity(host, peer.toLegacyObject())?.message;
}

/**
 * A TLS connection to host:port that passed pinnedCertProblem, with nothing
 * written to it yet. Resolves undefined, the connection closed unused, when
 * the certificate did not pass or the pinned PEM cannot be read; rejects when
 * the connection itself fails (refused, reset, timed out).
 */
export function connectPinned(host: string, port: number, caPem: string | Buffer, timeoutMs: number): Promise<TLSSocket | undefined> {
  let ca: X509Certificate;
  try {
    ca = new X509Certificate(caPem);
  } catch {
    return Promise.resolve(undefined);
  }
  // An empty list is still a list: no CA is added and no root store is built.
  trustsNothing ??= createSecureContext({ ca: [] });
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, secureContext: trustsNothing, rejectUnauthorized: false, servername: isIP(host) ? undefined : host });
    // Without it a packet written in two pieces waits out the broker's delayed ACK (≈ 40 ms).
    socket.setNoDelay(true);
    socket.setTimeout(timeoutMs, () => socket.destroy(Object.assign(new Error(`no TLS connection within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    socket.on('error', reject);
    socket.once('close', () => reject(Object.assign(new Error('connection closed during the TLS handshake'), { code: 'ECONNRESET' })));
    socket.once('secureConnect', () => {
      socket.setTimeout(0);
      socket.off('error', reject);
      // Until its new owner listens: an error in between must not be an unhandled one.
      socket.on('error', () => {});
      if (pinnedCertProblem(socket.getPeerX509Certificate(), ca, host) === undefined) return resolve(socket);
      socket.destroy();
      resolve(undefined);
    });
  });
}
