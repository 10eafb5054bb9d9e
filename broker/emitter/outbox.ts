import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One signed message waiting for the reconciler's acknowledgement. */
export interface OutboxEntry {
  topic: string;
  sender: string;
  seq: number;
  /** the exact signed bytes, base64 */
  payload: string;
  created: number;
}

export function outboxDir(jobDir: string): string {
  return join(jobDir, 'outbox');
}

function entryFile(jobDir: string, sender: string, seq: number): string {
  return join(outboxDir(jobDir), `${sender}-${String(seq).padStart(12, '0')}.json`);
}

/** Written before the first publish attempt (write-ahead), so a crash at any point loses nothing. */
export function addToOutbox(jobDir: string, entry: OutboxEntry): void {
  mkdirSync(outboxDir(jobDir), { recursive: true, mode: 0o700 });
  const file = entryFile(jobDir, entry.sender, entry.seq);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
  renameSync(tmp, file);
}

export function removeFromOutbox(jobDir: string, sender: string, seq: number): void {
  rmSync(entryFile(jobDir, sender, seq), { force: true });
}

/** Moves an entry that can no longer be accepted to outbox/expired/, kept for inspection. */
export function expireOutboxEntry(jobDir: string, sender: string, seq: number): void {
  const dir = join(outboxDir(jobDir), 'expired');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const from = entryFile(jobDir, sender, seq);
  try {
    renameSync(from, join(dir, from.slice(from.lastIndexOf('/') + 1)));
  } catch (err) {
    // Moved already: the emitter and the reconciler's sweep both set a refused entry aside.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Entries oldest seq first; unreadable files (a torn write from a crash) are skipped, never fatal. */
export function listOutbox(jobDir: string): OutboxEntry[] {
  let names: string[];
  try {
    names = readdirSync(outboxDir(jobDir))
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  const out: OutboxEntry[] = [];
  for (const n of names) {
    try {
      out.push(JSON.parse(readFileSync(join(outboxDir(jobDir), n), 'utf8')) as OutboxEntry);
    } catch {
      // a half-written temp never gets the .json name; anything else unreadable is left for inspection
    }
  }
  return out;
}

/** One file of an outbox as found on disk, read only when its size allows (an agent can write anything there). */
export interface OutboxFile {
  name: string;
  bytes: number;
  /** the parsed JSON, undefined when too large to read or not JSON */
  data?: unknown;
  /** why data is missing */
  unreadable?: string;
}

/** Every .json file of the outbox, oldest seq first; files over maxFileBytes are listed but never read. */
export function scanOutbox(jobDir: string, maxFileBytes: number): OutboxFile[] {
  const dir = outboxDir(jobDir);
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  const out: OutboxFile[] = [];
  for (const name of names) {
    let bytes: number;
    try {
      const st = statSync(join(dir, name));
      if (!st.isFile()) continue;
      bytes = st.size;
    } catch {
      continue; // removed meanwhile (acknowledged by its emitter)
    }
    if (bytes > maxFileBytes) {
      out.push({ name, bytes, unreadable: `file of ${bytes} bytes exceeds the ${maxFileBytes}-byte limit` });
      continue;
    }
    try {
      out.push({ name, bytes, data: JSON.parse(readFileSync(join(dir, name), 'utf8')) });
    } catch (err) {
      out.push({ name, bytes, unreadable: `not JSON: ${(err as Error).message}` });
    }
  }
  return out;
}

/**
 * Moves an outbox file that must never be sent to outbox/rejected/, with the
 * reason beside it (<name>.reason): out of the outbox, it is never read or
 * sent again. Returns the path it now has.
 */
export function setAsideOutboxFile(jobDir: string, name: string, reason: string): string {
  const dir = join(outboxDir(jobDir), 'rejected');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const to = join(dir, name);
  renameSync(join(outboxDir(jobDir), name), to);
  writeFileSync(`${to}.reason`, `${new Date().toISOString()} ${reason}\n`, { mode: 0o600 });
  return to;
}
