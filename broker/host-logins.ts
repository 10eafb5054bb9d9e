import { createHash } from 'node:crypto';
import type { Context } from '../core/context.js';
import { followHostsFile, hostOfLogin, hostsPath } from '../core/host-identity.js';
import { safeEqual } from '../core/keys.js';
import type { Logger } from '../core/logger.js';
import type { HostPrincipal } from './acl.js';
import { createJobOwners, jobOwnersPath, type JobOwners } from './job-owners.js';
import { ID_PATTERN } from '../core/topics.js';

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

/** The host logins and job ownership of an admin workspace, as its embedded broker follows them. */
export function workspaceHosts(ctx: Context, log: Logger): { logins: HostLogins; owners: JobOwners } {
  return {
    logins: createHostLogins(hostsPath(ctx.ws), log),
    owners: createJobOwners(ctx.cfg.namespace, ctx.keyring, ctx.cfg.events.maxMessageBytes, jobOwnersPath(ctx.ws)),
  };
}
