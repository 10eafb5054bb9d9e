import { createPrivateKey, randomBytes, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type * as X509 from '@peculiar/x509';
import { MamError } from './errors.js';

/** A certificate and its private key, both PEM (the key as PKCS#8). */
export interface CertPair {
  certPem: string;
  keyPem: string;
}

export interface CertSummary {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** Subject alternative names as `DNS:<name>` or `IP:<address>`. */
  sans: string[];
}

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
// Allows for clocks a little behind ours on the machines that verify the certificate.
const BACKDATE_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

let x509Module: Promise<typeof X509> | undefined;

// Loaded lazily: tsyringe (inside @peculiar/x509) needs the Reflect metadata
// polyfill first, and commands that never touch certificates skip both.
function loadX509(): Promise<typeof X509> {
  x509Module ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    // Same object as globalThis.crypto; only @types/node and lib.dom disagree on newer algorithm overloads.
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })();
  return x509Module;
}

// 16 random octets with the top bit clear: positive and exactly 16 octets in DER [RFC 5280 4.1.2.2].
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/**
 * RFC 5952 form of an IP address: IPv6 lower-case and compressed, with a dotted
 * IPv4 tail turned into hex groups (the certificate encoder reads only hex).
 * Undefined for what a certificate cannot name, such as a zone id (`fe80::1%eth0`).
 */
function canonicalIp(ip: string): string | undefined {
  const kind = isIP(ip);
  if (kind === 4) return ip;
  if (kind === 0 || ip.includes('%')) return undefined;
  return new URL(`http://[${ip}]`).hostname.slice(1, -1);
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(days) || days <= 0)
    throw new MamError('CONFIG_INVALID', `certificate lifetime must be a positive number of days, got ${days}`);
  const now = Date.now();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + days * DAY_MS) };
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();
}

function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** Creates a self-signed ECDSA P-256 certificate authority valid from five minutes ago for `days` days. */
export async function generateCa(opts: { commonName: string; days: number }): Promise<CertPair> {
  const x509 = await loadX509();
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [opts.commonName] }],
    ...validity(opts.days),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

function parseCa(ca: CertPair): { cert: NodeX509; key: KeyObject } {
  let cert: NodeX509;
  let key: KeyObject;
  try {
    cert = new NodeX509(ca.certPem);
    key = createPrivateKey(ca.keyPem);
  } catch (cause) {
    throw new MamError('CONFIG_INVALID', 'the CA certificate or key is not valid PEM', {
      cause,
      hint: 'regenerate the TLS files with `mam init --force`',
    });
  }
  if (!cert.ca || !cert.checkPrivateKey(key)) {
    throw new MamError('CONFIG_INVALID', 'the CA certificate is not a CA, or the CA key does not match it', {
      hint: 'regenerate the TLS files with `mam init --force`',
    });
  }
  return { cert, key };
}

/**
 * Creates an ECDSA P-256 TLS server certificate signed by `ca`, naming every
 * hostname and IP address (v4 or v6) in its subject alternative names.
 */
export async function generateServerCert(opts: {
  ca: CertPair;
  hostnames: string[];
  ips: string[];
  days: number;
}): Promise<CertPair> {
  const bad = opts.ips.filter((ip) => canonicalIp(ip) === undefined);
  if (bad.length > 0)
    throw new MamError('CONFIG_INVALID', `not an IP address a certificate can name: ${bad.join(', ')}`);
  const ips = opts.ips.flatMap((ip) => canonicalIp(ip) ?? []);
  if (opts.hostnames.length + opts.ips.length === 0)
    throw new MamError('CONFIG_INVALID', 'a server certificate needs at least one hostname or IP address');
  const x509 = await loadX509();
  const ca = parseCa(opts.ca);
  const caCert = new x509.X509Certificate(ca.cert.raw);
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    ca.key.export({ format: 'der', type: 'pkcs8' }),
    EC_P256,
    false,
    ['sign'],
  );
  // Reuse the CA's own key id so that chain builders match AKI to SKI exactly.
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{ CN: [opts.hostnames[0] ?? ips[0]!] }],
    issuer: caCert.subjectName,
    ...validity(opts.days),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...opts.hostnames.map((value) => ({ type: 'dns' as const, value })),
        ...ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      caKeyId
        ? new x509.AuthorityKeyIdentifierExtension(caKeyId)
        : await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKeyPem(keys.privateKey) };
}

// Node lists SANs as `DNS:a, IP Address:b` (IPv6 spelled out in upper case), quoting
// JSON-style any value with a comma or quote in it.
function parseSubjectAltName(text: string): string[] {
  const entries = text.match(/(?:[^,"]|"(?:\\.|[^"\\])*")+/g) ?? [];
  return entries.map((entry) => {
    const s = entry.trim();
    const colon = s.indexOf(':');
    const type = s.slice(0, colon);
    const raw = s.slice(colon + 1);
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    return type === 'IP Address' ? `IP:${canonicalIp(value) ?? value}` : `${type}:${value}`;
  });
}

/** Summarises a PEM certificate for `mam doctor`. */
export function describeCert(pem: string): CertSummary {
  let cert: NodeX509;
  try {
    cert = new NodeX509(pem);
  } catch (cause) {
    throw new MamError('CONFIG_INVALID', 'not a PEM certificate', {
      cause,
      hint: 'regenerate the TLS files with `mam init --force`',
    });
  }
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    sans: cert.subjectAltName ? parseSubjectAltName(cert.subjectAltName) : [],
  };
}

/**
 * The names a local broker answers to: loopback, this host's name, and `extra` (each sorted into DNS name or IP by its
 * form).
 */
export function defaultSans(extra: string[]): { hostnames: string[]; ips: string[] } {
  // os.hostname() can be empty in minimal containers.
  const hostnames = new Set(['localhost', hostname()].filter(Boolean));
  const ips = new Set(['127.0.0.1', '::1']);
  for (const name of extra.map((e) => e.trim()).filter(Boolean)) {
    if (isIP(name) === 0) hostnames.add(name);
    else ips.add(canonicalIp(name) ?? name);
  }
  return { hostnames: [...hostnames], ips: [...ips] };
}
