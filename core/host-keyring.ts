import { deriveScope, OPERATOR_SCOPE, type Keyring } from './keys.js';
import { controlScope, hostScope, type HostKeys } from './host-identity.js';

/**
 * The keyring of a joined host: its host key, its control key and, for an
 * operator host, the operator key, under each key id of its bundle. A scope
 * below one of them ("@host:B/J", "@operator/@to:C") is derived from it; any
 * other scope (a master-derived one, another host's) is unknown here.
 */
export function hostKeyring(host: string, active: string, keys: Record<string, HostKeys>): Keyring {
  const bases = new Map<string, Map<string, Buffer>>();
  for (const [kid, k] of Object.entries(keys)) {
    const m = new Map<string, Buffer>([
      [hostScope(host), Buffer.from(k.host, 'base64')],
      [controlScope(host), Buffer.from(k.control, 'base64')],
    ]);
    if (k.operator) m.set(OPERATOR_SCOPE, Buffer.from(k.operator, 'base64'));
    bases.set(kid, m);
  }
  const cache = new Map<string, Buffer>();
  return {
    activeKid: active,
    keyFor(kid, scope) {
      const m = bases.get(kid);
      if (!m) return undefined;
      const id = kid + '\0' + scope;
      const hit = cache.get(id);
      if (hit) return hit;
      const parts = scope.split('/');
      // The longest held prefix of the scope path, then the rest derived below it.
      for (let n = parts.length; n > 0; n--) {
        const base = m.get(parts.slice(0, n).join('/'));
        if (!base) continue;
        const key = n === parts.length ? base : deriveScope(base, parts.slice(n).join('/'));
        if (cache.size > 100_000) cache.clear();
        cache.set(id, key);
        return key;
      }
      return undefined;
    },
  };
}
