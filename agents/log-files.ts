import {
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
} from 'node:fs';
import { join } from 'node:path';

/** The file a job's sessions append their output to (tmux pipe-pane, or the pty backend). */
export function sessionLogFile(jobDir: string): string {
  return join(jobDir, 'session.log');
}

/** session.log.1 … session.log.<keep>, newest first. */
export function rotatedLogFiles(file: string, keep = 20): string[] {
  const out: string[] = [];
  for (let i = 1; i <= keep; i++) if (existsSync(`${file}.${i}`)) out.push(`${file}.${i}`);
  return out;
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Bytes [from, min(to, from + max)) of a file; empty when it is gone. */
export function readRange(file: string, from: number, to: number, max = Infinity): Buffer {
  const len = Math.max(0, Math.min(to - from, max));
  if (len === 0) return Buffer.alloc(0);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const buf = Buffer.alloc(len);
    const n = readSync(fd, buf, 0, len, from);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Rotates by copy-then-truncate: the writers (tmux's `cat >>`, the pty
 * backend's stream) keep an O_APPEND descriptor open, so renaming the file
 * would leave them writing into the rotated copy. After the truncate their
 * next write lands at offset 0. Bytes written between the copy and the
 * truncate are lost, as with logrotate's copytruncate; the window is one copy.
 * The copy is made aside and renamed into place, so a reader never sees a
 * half-written session.log.1 (readSince names copies by inode, size and mtime).
 */
export function rotateLog(file: string, keep: number): void {
  const aside = `${file}.rotating`;
  copyFileSync(file, aside);
  rmSync(`${file}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
  }
  renameSync(aside, `${file}.1`);
  truncateSync(file, 0);
}

/** Where a reader of a log is: its offset, and which rotated copy it last saw. */
export interface LogCursor {
  pos: number;
  /** identity of session.log.1 at the last read: a change means a rotation happened since */
  rotated: string;
}

function identity(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}

export function openCursor(file: string, tailBytes: number): LogCursor {
  return { pos: Math.max(0, fileSize(file) - tailBytes), rotated: identity(`${file}.1`) };
}

/**
 * The bytes written since the cursor, following rotations: the part of the
 * file the cursor was in that it had not read yet (a rotated copy now), every
 * newer copy whole, then the live session.log from 0. A reader that falls
 * behind by several rotations (a starved `mam job logs -f`) finds the copy it
 * last saw as session.log.1 moved down by one place per rotation since.
 */
export function readSince(file: string, c: LogCursor): Buffer {
  const parts: Buffer[] = [];
  const newest = identity(`${file}.1`);
  // No session.log.1 where one was seen: a rotation is moving the copies down; the live file is
  // truncated only after the new copy is in place, so it is read as usual until then.
  if (newest !== c.rotated && newest !== '') {
    // Renames keep a copy's inode, size and mtime, so its identity names it wherever it moved.
    let rotations = 0;
    let lastSeen = 0;
    for (let i = 1; existsSync(`${file}.${i}`); i++) {
      rotations = i;
      if (c.rotated && identity(`${file}.${i}`) === c.rotated) {
        lastSeen = i;
        break;
      }
    }
    // The copy last seen at .1 is now at .(k+1): k rotations, and the cursor's file became .k. When it
    // was not found (no copy existed when the cursor was opened, or more rotations than are kept),
    // the oldest copy is where the cursor was, or the nearest to it that is left.
    const since = lastSeen ? lastSeen - 1 : rotations;
    for (let i = since; i >= 1; i--) {
      const copy = `${file}.${i}`;
      parts.push(readRange(copy, i === since && (lastSeen || !c.rotated) ? c.pos : 0, fileSize(copy)));
    }
    c.rotated = newest;
    c.pos = notYetTruncated(file) ?? 0;
  }
  const size = fileSize(file);
  // Shrunk without a rotated copy (truncated by hand): start over.
  if (size < c.pos) c.pos = 0;
  parts.push(readRange(file, c.pos, size));
  c.pos = size;
  return Buffer.concat(parts);
}

/**
 * Between the new copy's rename and the truncate, the live file still holds the copy's bytes: its
 * length then, so they are not read twice; undefined once the truncate happened.
 */
function notYetTruncated(file: string): number | undefined {
  const copy = readRange(`${file}.1`, 0, fileSize(`${file}.1`));
  if (copy.length === 0) return undefined;
  return readRange(file, 0, copy.length).equals(copy) ? copy.length : undefined;
}

// CSI, OSC (ended by BEL or ST) and two-byte escapes: terminal control, not text.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** Terminal output as plain lines: escapes dropped, a carriage return overwrites its line (spinners). */
export function plainLines(text: string): string[] {
  return (
    text
      // Cursor-forward over blank cells is how TUIs draw spaces ("Accessing\x1b[1Cworkspace:"): keep them.
      .replace(/\x1b\[(\d*)C/g, (_m, n: string) => ' '.repeat(Math.min(Number(n) || 1, 500)))
      .replace(ANSI, '')
      .split('\n')
      .map((line) => {
        const parts = line.split('\r').filter((p) => p !== '');
        return (parts.pop() ?? '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
      })
  );
}

/** The last `n` non-empty lines a job's sessions printed, across the newest rotation. */
export function logTail(jobDir: string, n = 20, maxBytes = 64 * 1024): string[] {
  const file = sessionLogFile(jobDir);
  let lines = fileTail(file, n, maxBytes);
  if (lines.length < n && existsSync(`${file}.1`)) lines = [...fileTail(`${file}.1`, n, maxBytes), ...lines];
  return lines.slice(-n);
}

/** The last `n` non-empty plain lines of a file (read from its last `maxBytes`); none when it is missing. */
export function fileTail(file: string, n = 20, maxBytes = 64 * 1024): string[] {
  const size = fileSize(file);
  const text = readRange(file, Math.max(0, size - maxBytes), size).toString('utf8');
  return plainLines(text)
    .filter((l) => l.trim() !== '')
    .slice(-n);
}
