import { createHash } from 'node:crypto';
import {
  agentJobOf,
  agentLogin,
  sharedAgentLogin,
  type CredentialFile,
  type Login,
  type Role,
} from '../core/credentials.js';
import { safeEqual } from '../core/keys.js';
import { ID_PATTERN } from '../core/topics.js';
import type { Principal } from './acl.js';

// Hashing both sides first makes the constant-time comparison length-independent.
const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

/**
 * Maps a username/password to a principal, or undefined. Anonymous logins
 * never succeed; the shared agent login only with agentLogin "shared".
 */
export function createAuthenticator(
  cf: CredentialFile,
  agentLoginMode: 'per-job' | 'shared' = 'per-job',
): (username?: string, password?: Buffer) => Principal | undefined {
  // No `reconciler` role: each host's reconciler logs in as its own host:<name> (broker/host-logins.ts).
  const logins: Array<[Role, Login]> = [
    ['operator', cf.operator],
    ['reader', cf.reader],
  ];
  if (agentLoginMode === 'shared') logins.push(['agent', sharedAgentLogin(cf)]);
  const fixed = logins.map(([role, login]) => ({ role, username: login.username, password: digest(login.password) }));
  return (username, password) => {
    if (!username || !password || password.length === 0 || password.length > 1024) return undefined;
    const given = digest(password);
    const job = agentJobOf(username);
    if (job !== undefined) {
      if (!ID_PATTERN.test(job)) return undefined;
      return safeEqual(given, digest(agentLogin(cf, job).password)) ? { role: 'agent', job } : undefined;
    }
    const entry = fixed.find((f) => f.username === username);
    return entry && safeEqual(given, entry.password) ? { role: entry.role } : undefined;
  };
}
