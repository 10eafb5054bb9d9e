import { createHash } from 'node:crypto';
import { openEnvelope } from '../core/envelope.js';
import type { Context } from '../core/context.js';
import { followHostsFile, hostOfLogin, hostsPath } from '../core/host-identity.js';
import { safeEqual, type Keyring } from '../core/keys.js';
import type { Logger } from '../core/logger.js';
import type { HostPrincipal } from './acl.js';
import { ID_PATTERN, parseTopic } from '../core/topics.js';

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

/**
 * The per-host logins of the admin workspace's hosts.json, read again when the
 * file changes (looked at at most every 500 ms): `mam host add` and `mam host
 * revoke` take effect on a running broker, for new logins and, through
 * `isRevoked`, for every publish of a client already connected.
 */
export function createHostLogins(path: string, log: Logger) {
  const current = followHostsFile(path, log);
  return {
    /** The host a `host:<name>` login proves, or undefined (unknown, revoked, wrong password). */
    authenticate(username: string, password: Buffer): HostPrincipal | undefined {
      const host = hostOfLogin(username);
      if (host === undefined || !ID_PATTERN.test(host)) return undefined;
      const e = current().hosts[host];
      const given = Buffer.from(digest(password).toString('hex'));
      const want = Buffer.from(e && !e.revoked ? e.passwordSha256 : '0'.repeat(64));
      if (!safeEqual(given, want) || !e || e.revoked) return undefined;
      return { role: 'host', host, ...(e.admin ? { admin: true } : {}), ...(e.operator ? { operator: true } : {}) };
    },
    isRevoked(host: string): boolean {
      const e = current().hosts[host];
      return !e || e.revoked !== undefined;
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

/** The host logins and job ownership of an admin workspace, as its embedded broker follows them. */
export function workspaceHosts(ctx: Context, log: Logger): { logins: HostLogins; owners: JobOwners } {
  return {
    logins: createHostLogins(hostsPath(ctx.ws), log),
    owners: createJobOwners(ctx.cfg.namespace, ctx.keyring, ctx.cfg.events.maxMessageBytes),
  };
}
