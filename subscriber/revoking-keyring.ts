import { statSync } from 'node:fs';
import { loadHostsFile } from '../core/host-identity.js';
import type { Keyring } from '../core/keys.js';
import type { Logger } from '../core/logger.js';

// hosts.json is looked at again at most this often: a revocation takes effect within it, without a restart.
const CHECK_MS = 500;

/** The scope's host when it is a per-host scope (`@host:<h>…`, `@operator/@to:<h>…`). */
function hostOfScope(scope: string): string | undefined {
  const m = /^(?:@host:|@operator\/@to:)([^/]+)/.exec(scope);
  return m?.[1];
}

/**
 * The keyring with the keys of revoked hosts (`mam host revoke`, hosts.json)
 * taken out: a message signed with one is refused as if its key never existed.
 * A master holder derives every host's key, so this is where revocation holds.
 */
export function revokingKeyring(inner: Keyring, hostsPath: string, log: Logger): Keyring {
  let revoked = new Set<string>();
  let stamp = '';
  let checkedAt = 0;
  const refresh = () => {
    if (Date.now() - checkedAt < CHECK_MS) return;
    checkedAt = Date.now();
    let now = '';
    try {
      const st = statSync(hostsPath);
      now = `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch {
      now = '';
    }
    if (now === stamp) return;
    stamp = now;
    try {
      const f = loadHostsFile(hostsPath);
      revoked = new Set(Object.entries(f.hosts).flatMap(([h, e]) => (e.revoked ? [h] : [])));
    } catch (err) {
      log.warn('hosts.json cannot be read; the revocations read before stay in force', err);
    }
  };
  return {
    get activeKid() {
      return inner.activeKid;
    },
    keyFor(kid, scope) {
      const host = hostOfScope(scope);
      if (host !== undefined) {
        refresh();
        if (revoked.has(host)) return undefined;
      }
      return inner.keyFor(kid, scope);
    },
  };
}
