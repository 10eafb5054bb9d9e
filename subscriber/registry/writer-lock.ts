import { closeSync, openSync, readSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MamError } from '../../core/errors.js';
import { makePrivate } from './private-files.js';

/** Lock paths this process holds: checked before the file is touched (see below). */
const held = new Set<string>();

// SQLite keeps its database header's user_version, a big-endian 32-bit integer, at byte 60.
const USER_VERSION_OFFSET = 60;

/**
 * One reconciler per registry. The lock is an SQLite file next to the
 * registry held in EXCLUSIVE locking mode: SQLite's POSIX advisory lock,
 * which the kernel drops when the holder exits however it exits, so a
 * reconciler killed with SIGKILL never leaves a stale lock to wait out or
 * remove by hand. The holder's pid is committed as the file's user_version,
 * where a refused process reads it from the header without a lock.
 */
export function acquireWriterLock(dbPath: string): { release(): void } {
  const path = `${dbPath}.lock`;
  // POSIX drops all of a process's locks on a file when any of its descriptors of that file is
  // closed: a second attempt from the holding process must never open the file at all.
  if (held.has(path)) throw running(path, process.pid);
  makePrivate(path);
  const db = new Database(path);
  try {
    db.pragma('busy_timeout = 0');
    // Never released until the connection closes, whatever the transactions do.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.pragma(`user_version = ${process.pid}`);
    db.exec('COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw running(path, ownerOf(path), err);
    throw new MamError('LOCK', `cannot take the reconciler lock ${path}: ${(err as Error).message}`, {
      hint: 'check that .mam/ is on a local disk and writable by you',
      cause: err,
    });
  }
  held.add(path);
  return {
    release() {
      if (!held.delete(path)) return;
      db.close();
    },
  };
}

function ownerOf(path: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(4);
    const pid = readSync(fd, b, 0, 4, USER_VERSION_OFFSET) === 4 ? b.readUInt32BE(0) : 0;
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function running(path: string, pid: number | undefined, cause?: unknown): MamError {
  return new MamError(
    'RECONCILER_RUNNING',
    `another reconciler${pid ? ` (pid ${pid})` : ''} is already running on this registry (${path.slice(0, -'.lock'.length)})`,
    {
      hint: 'one reconciler per host and workspace: stop the other one (`mam down`, or end that process) before starting this one',
      cause,
    },
  );
}
