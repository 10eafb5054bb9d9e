/**
 * A session's environment handed over through a file, never a command line.
 * tmux can take a session's variables only as `new-session -e K=V`
 * arguments, which every process on the host can read in /proc/<pid>/cmdline
 * (the first client's stay in the tmux server's own for its whole life), and
 * which `tmux show-environment` then gives to any client of the server —
 * another job's session included. Instead the variables go into a 0600 file
 * in a fresh 0700 folder; a /bin/sh launcher exports them, deletes the file
 * and exec's the program, so they live only in the program's own environment.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MamError } from '../../core/errors.js';

/** `$0` is the file; `set -a` exports what it assigns; the folder goes with it. */
const LAUNCHER_SCRIPT = 'set -a; . "$0" || exit 127; set +a; rm -f -- "$0"; rmdir -- "${0%/*}" 2>/dev/null; exec "$@"';

/** A launch that has not run within this long never will (its session is gone): its file is removed. */
const UNREAD_TTL_MS = 60_000;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Single-quoted for sh: nothing inside is expanded, a `'` is closed, escaped and reopened. */
const quote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

export interface LaunchEnv {
  /** The argv that runs `program` with the environment: holds the file's path, never a value. */
  argv(program: string[]): string[];
  /** Removes the file if the launcher has not (the session did not start). Idempotent. */
  discard(): void;
  /** Removes the file later if the launcher never read it; never holds the process open. */
  expireUnread(): void;
}

/** Writes `env` to a private file for the launcher; throws SESSION on a name sh cannot export. */
export function writeLaunchEnv(env: Record<string, string>): LaunchEnv {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!NAME.test(key))
      throw new MamError('SESSION', `environment variable name ${JSON.stringify(key)} cannot be passed to a session`, {
        hint: 'use letters, digits and "_" only, not starting with a digit',
      });
    if (value.includes('\0')) throw new MamError('SESSION', `environment variable ${key} holds a NUL byte`);
    lines.push(`${key}=${quote(value)}\n`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'mam-launch-'));
  const file = join(dir, 'env');
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, lines.join(''));
  } finally {
    closeSync(fd);
  }
  const discard = (): void => rmSync(dir, { recursive: true, force: true });
  return {
    argv: (program) => ['/bin/sh', '-c', LAUNCHER_SCRIPT, file, ...program],
    discard,
    expireUnread() {
      setTimeout(discard, UNREAD_TTL_MS).unref();
    },
  };
}
