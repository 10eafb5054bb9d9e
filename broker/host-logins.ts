import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { openEnvelope } from '../core/envelope.js';
import { hostOfLogin, loadHostsFile, type HostsFile } from '../core/host-identity.js';
import { safeEqual, type Keyring } from '../core/keys.js';
import type { Logger } from '../core/logger.js';
import { ID_PATTERN, parseTopic } from '../core/topics.js';

const CHECK_MS = 500;
const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

/**
 * The per-host logins of the admin workspace's hosts.json, read again when the
 * file changes (looked at at most every 500 ms): `mam host add` and `mam host
 * revoke` take effect on a running broker, for new logins and, through
 * `isRevoked`, for every publish of a client already connected.
 */
export function createHostLogins(path: string, log: Logger) {
  let file: HostsFile = { hosts: {} };
  let stamp = '';
  let checkedAt = 0;
  const refresh = () => {
    if (Date.now() - checkedAt < CHECK_MS) return;
    checkedAt = Date.now();
    let now = '';
    try {
      const st = statSync(path);
      now = `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch {
      now = '';
    }
    if (now === stamp) return;
    stamp = now;
    try {
      file = loadHostsFile(path);
    } catch (err) {
      log.warn('hosts.json cannot be read; the host logins read before stay in force', err);
    }
  };
  return {
    /** The host a `host:<name>` login proves, or undefined (unknown, revoked, wrong password). */
    authenticate(username: string, password: Buffer): string | undefined {
      const host = hostOfLogin(username);
      if (host === undefined || !ID_PATTERN.test(host)) return undefined;
      refresh();
      const e = file.hosts[host];
      const given = Buffer.from(digest(password).toString('hex'));
      const want = Buffer.from(e && !e.revoked ? e.passwordSha256 : '0'.repeat(64));
      return safeEqual(given, want) && e && !e.revoked ? host : undefined;
    },
    isRevoked(host: string): boolean {
      refresh();
      return !file.hosts[host] || file.hosts[host].revoked !== undefined;
    },
  };
}

export type HostLogins = ReturnType<typeof createHostLogins>;

/**
 * Which host owns which job, as the broker saw it: from each operator-signed
 * control.create on hosts/<host>/control it passes on (verified with the
 * workspace's keys, so a host cannot claim a job by publishing one itself).
 */
export function createJobOwners(ns: string, keyring: Keyring, maxBytes: number) {
  const owners = new Map<string, string>();
  return {
    observe(topic: string, payload: Buffer): void {
      const t = parseTopic(ns, topic);
      if (t?.kind !== 'control') return;
      try {
        const o = openEnvelope(ns, topic, payload, keyring, maxBytes);
        if (o.signer !== 'operator' || o.msg.type !== 'control.create' || owners.has(o.msg.job)) return;
        if (owners.size > 1_000_000) owners.clear();
        owners.set(o.msg.job, t.id);
      } catch {
        // not a valid command: it gives no job to anyone
      }
    },
    ownerOf: (job: string) => owners.get(job),
  };
}

export type JobOwners = ReturnType<typeof createJobOwners>;
