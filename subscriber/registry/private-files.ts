import { chmodSync, closeSync, openSync } from 'node:fs';

// SQLite's side files: it creates them with the database file's permissions, so a 0600
// database gets 0600 ones; those left by an older mam are narrowed here as well.
const SIDE_FILES = ['-wal', '-shm', '-journal'];

/**
 * Makes the SQLite file at `path` (created if missing) and its side files
 * readable by their owner only, before SQLite opens it: the registry holds
 * every job's events, prompts and refused messages. SQLite itself would
 * create them 0644 (SQLITE_DEFAULT_FILE_PERMISSIONS, minus the umask).
 */
export function makePrivate(path: string): void {
  closeSync(openSync(path, 'a', 0o600));
  for (const f of [path, ...SIDE_FILES.map((s) => path + s)]) {
    try {
      chmodSync(f, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
