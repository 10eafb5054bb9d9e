import { createHash } from 'node:crypto';
import { agentJobOf, agentLogin, type CredentialFile, type Role } from '../core/credentials.js';
import { safeEqual } from '../core/keys.js';
import { ID_PATTERN } from '../core/topics.js';
import type { Principal } from './acl.js';

// Hashing both sides first makes the constant-time comparison length-independent.
const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

/** Maps a username/password to a principal, or undefined. Anonymous logins never succeed. */
export function createAuthenticator(cf: CredentialFile): (username?: string, password?: Buffer) => Principal | undefined {
  const fixed = (['reconciler', 'operator', 'reader', 'agent'] as const)
    .filter((role) => cf[role] !== undefined)
    .map((role: Role) => ({ role, username: cf[role]!.username, password: digest(cf[role]!.password) }));
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
