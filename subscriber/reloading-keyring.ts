import { statSync } from 'node:fs';
import { loadKeyFile, masterKeyring, type KeyFile, type Keyring } from '../core/keys.js';
import type { Logger } from '../core/logger.js';

// The active key is only what new snapshots are signed with (every listed key stays accepted): looked up at most this
// often.
const ACTIVE_CHECK_MS = 1000;

function stampOf(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.mtimeMs}:${st.size}`;
  } catch {
    return '';
  }
}

/**
 * The daemon's master keyring, following keys.json: after `mam keys rotate`
 * the first message signed with the new key id finds it (the file is read
 * again when it changed), so emits are not refused as unknown_key_id until a
 * restart. A retired key stops being accepted the same way. A keys.json that
 * cannot be read keeps the keys already loaded.
 */
export function reloadingKeyring(path: string, initial: KeyFile, log: Logger): Keyring {
  let ring = masterKeyring(initial);
  let stamp = stampOf(path);
  let activeCheckedAt = Date.now();
  const refresh = (): boolean => {
    const now = stampOf(path);
    if (now === stamp || now === '') return false;
    try {
      const kf = loadKeyFile(path);
      ring = masterKeyring(kf);
      stamp = now;
      log.info('keys.json changed; keys reloaded', { active: kf.active, kids: Object.keys(kf.keys) });
      return true;
    } catch (err) {
      log.warn('keys.json changed but cannot be read; the keys loaded before stay in use', err);
      stamp = now;
      return false;
    }
  };
  return {
    get activeKid() {
      if (Date.now() - activeCheckedAt >= ACTIVE_CHECK_MS) {
        activeCheckedAt = Date.now();
        refresh();
      }
      return ring.activeKid;
    },
    keyFor(kid, scope) {
      const key = ring.keyFor(kid, scope);
      if (key) return key;
      // An unknown key id: a stat of keys.json tells whether a rotation brought it.
      return refresh() ? ring.keyFor(kid, scope) : undefined;
    },
  };
}
