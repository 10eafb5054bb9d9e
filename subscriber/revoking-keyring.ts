import { followHostsFile } from '../core/host-identity.js';
import type { Keyring } from '../core/keys.js';
import type { Logger } from '../core/logger.js';

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
  const current = followHostsFile(hostsPath, log);
  return {
    get activeKid() {
      return inner.activeKid;
    },
    keyFor(kid, scope) {
      const host = hostOfScope(scope);
      if (host !== undefined) {
        if (current().hosts[host]?.revoked) return undefined;
      }
      return inner.keyFor(kid, scope);
    },
  };
}
