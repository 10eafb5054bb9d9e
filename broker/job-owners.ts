import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openEnvelope } from '../core/envelope.js';
import type { Keyring } from '../core/keys.js';
import { ID_PATTERN, parseTopic } from '../core/topics.js';
import type { Workspace } from '../core/workspace.js';

/** Where the broker keeps which host owns which job: one JSON line per job, appended as creates pass. */
export const jobOwnersPath = (ws: Workspace) => join(ws.dir, 'job-owners.jsonl');

// A miss (an unknown job) reads what other writers (a cluster node beside this one) appended, at most this often.
const REFRESH_MS = 200;
const MAX_OWNERS = 1_000_000;

/**
 * Which host owns which job, as the broker saw it: from each operator-signed
 * control.create on hosts/<host>/control it passes on (verified with the
 * workspace's keys, so a host cannot claim a job by publishing one itself).
 * Kept in `file` too, so a broker restart keeps every host confined to its own
 * jobs and still lets it publish for them; without a file, in memory only.
 */
export function createJobOwners(ns: string, keyring: Keyring, maxBytes: number, file?: string) {
  const owners = new Map<string, string>();
  let offset = 0;
  let readAt = 0;
  // Reads the lines appended since the last read; a torn last line waits for the next read.
  const load = () => {
    readAt = Date.now();
    if (!file || !existsSync(file)) return;
    const size = statSync(file).size;
    if (size <= offset) return;
    const buf = Buffer.alloc(size - offset);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, offset);
    } finally {
      closeSync(fd);
    }
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    offset += Buffer.byteLength(text.slice(0, end));
    for (const line of text.slice(0, end).split('\n')) {
      try {
        const { job, host } = JSON.parse(line) as { job: unknown; host: unknown };
        if (typeof job === 'string' && typeof host === 'string' && ID_PATTERN.test(job) && ID_PATTERN.test(host))
          if (!owners.has(job)) owners.set(job, host);
      } catch {
        // an empty or damaged line gives no job to anyone
      }
    }
  };
  load();
  return {
    observe(topic: string, payload: Buffer): void {
      const t = parseTopic(ns, topic);
      if (t?.kind !== 'control') return;
      try {
        const o = openEnvelope(ns, topic, payload, keyring, maxBytes);
        if (o.signer !== 'operator' || o.msg.type !== 'control.create' || owners.has(o.msg.job)) return;
        if (owners.size > MAX_OWNERS) owners.clear();
        owners.set(o.msg.job, t.id);
        // Written before the create is passed on: the host's first state for the job may follow at once.
        if (file) appendFileSync(file, JSON.stringify({ job: o.msg.job, host: t.id }) + '\n', { mode: 0o600 });
      } catch {
        // not a valid command: it gives no job to anyone
      }
    },
    ownerOf(job: string): string | undefined {
      const owner = owners.get(job);
      if (owner === undefined && file && Date.now() - readAt >= REFRESH_MS) {
        load();
        return owners.get(job);
      }
      return owner;
    },
  };
}

export type JobOwners = ReturnType<typeof createJobOwners>;
