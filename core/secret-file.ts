import { chmodSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { MamError } from './errors.js';

/** Creates a folder (and parents) private to the owner: 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Writes a secret atomically with mode 0600 from its first byte: the temp file
 * is opened 0600 (never readable by others, even briefly) and renamed over.
 */
export function writeSecretFile(path: string, data: string): void {
  ensurePrivateDir(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function readJsonFile<T>(path: string, what: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new MamError('CONFIG_INVALID', `cannot read ${what} (${path}): ${(err as Error).message}`, {
      hint: 'run `mam init` (or `mam init --force` to regenerate a damaged workspace)',
      cause: err,
    });
  }
}
