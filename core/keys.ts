import { createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { MamError } from './errors.js';
import { readJsonFile, writeSecretFile } from './secret-file.js';

/** keys.json: HMAC master keys by key id; several accepted, one active (rotation). */
export interface KeyFile {
  active: string;
  keys: Record<string, { secret: string; created: string }>;
}

/** Resolves the key that signs or verifies one envelope, by key id. */
export interface Keyring {
  activeKid: string;
  /**
   * The key for `scope` (a job id, or a role scope like "@operator") under `kid`; undefined when the kid is unknown.
   */
  keyFor(kid: string, scope: string): Buffer | undefined;
}

export const OPERATOR_SCOPE = '@operator';

export function newKid(): string {
  return 'k' + randomBytes(4).toString('hex');
}

export function newKeyFile(): KeyFile {
  const kid = newKid();
  return {
    active: kid,
    keys: { [kid]: { secret: randomBytes(32).toString('base64'), created: new Date().toISOString() } },
  };
}

export function saveKeyFile(path: string, kf: KeyFile): void {
  writeSecretFile(path, JSON.stringify(kf, null, 2) + '\n');
}

export function loadKeyFile(path: string): KeyFile {
  const kf = readJsonFile<KeyFile>(path, 'the key file');
  if (!kf || typeof kf.active !== 'string' || !kf.keys || !kf.keys[kf.active]) {
    throw new MamError('CONFIG_INVALID', `${path} has no active key`, {
      hint: 'run `mam init --force` to regenerate keys',
    });
  }
  return kf;
}

/** Adds a new active key; older ones stay accepted until removed (the overlap window). */
export function rotateKeyFile(kf: KeyFile): KeyFile {
  const fresh = newKeyFile();
  return { active: fresh.active, keys: { ...kf.keys, ...fresh.keys } };
}

/**
 * Per-scope key = HKDF-SHA256(master, salt "mam-v1", info "mam-scope:" + scope).
 * A job's agent receives only its job's derived key, never a master key.
 */
export function deriveKey(master: Buffer, scope: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, 'mam-v1', 'mam-scope:' + scope, 32));
}

/**
 * The key of a scope path: each '/'-separated part derived from the key of the
 * parts before it ("@host:B/J" is the key of job J below host B's key). Job ids
 * and host names hold no '/', so a one-part scope is derived exactly as before.
 */
export function deriveScope(base: Buffer, path: string): Buffer {
  return path.split('/').reduce((key, part) => deriveKey(key, part), base);
}

/** A keyring over master keys: derives (and caches) per-scope keys for every accepted kid. */
export function masterKeyring(kf: KeyFile): Keyring {
  const masters = new Map(Object.entries(kf.keys).map(([kid, k]) => [kid, Buffer.from(k.secret, 'base64')]));
  const cache = new Map<string, Buffer>();
  return {
    activeKid: kf.active,
    keyFor(kid, scope) {
      const master = masters.get(kid);
      if (!master) return undefined;
      const id = kid + '\0' + scope;
      let key = cache.get(id);
      if (!key) {
        key = deriveScope(master, scope);
        if (cache.size > 100_000) cache.clear();
        cache.set(id, key);
      }
      return key;
    },
  };
}

/** A keyring holding one already-derived key: what an agent session gets (MAM_JOB_KEY). */
export function singleKeyring(kid: string, scope: string, key: Buffer): Keyring {
  return { activeKid: kid, keyFor: (k, s) => (k === kid && s === scope ? key : undefined) };
}

// A Buffer key is imported into a new KeyObject on every createHmac; the few keys in use are imported once.
const imported = new WeakMap<Buffer, KeyObject>();

export function hmac(key: Buffer, data: string | Buffer): Buffer {
  let k = imported.get(key);
  if (!k) imported.set(key, (k = createSecretKey(key)));
  return createHmac('sha256', k).update(data).digest();
}

/** Constant-time equality that does not leak length through an early return on content. */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}
