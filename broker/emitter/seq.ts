import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { MamError } from '../../core/errors.js';

const SENDER = /^[A-Za-z0-9@_-]{1,64}$/;

/**
 * Allocates the next seq for (job, sender) under the job's own lock file
 * (FW-W1: per-job, never a global lock). Each `mam emit` is its own process,
 * so the counter lives on disk and the lock spans read → increment → write.
 */
export async function allocateSeq(jobDir: string, sender: string): Promise<number> {
  if (!SENDER.test(sender)) throw new MamError('USAGE', `invalid sender "${sender}"`);
  mkdirSync(jobDir, { recursive: true, mode: 0o700 });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(jobDir, {
      lockfilePath: join(jobDir, 'seq.lock'),
      realpath: false,
      stale: 10_000,
      retries: { retries: 200, minTimeout: 2, maxTimeout: 50, factor: 1.5, randomize: true },
    });
  } catch (err) {
    throw new MamError('LOCK', `cannot lock ${jobDir}: ${(err as Error).message}`, {
      hint: 'another process holds the job lock; if none runs, remove seq.lock in the job folder',
      cause: err,
    });
  }
  try {
    const file = join(jobDir, `seq-${sender}`);
    let last = 0;
    try {
      last = Number.parseInt(readFileSync(file, 'utf8'), 10) || 0;
    } catch {
      // first event of this sender for this job
    }
    const next = Math.max(last, 0) + 1;
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, String(next), { mode: 0o600 });
    renameSync(tmp, file);
    return next;
  } finally {
    await release();
  }
}
