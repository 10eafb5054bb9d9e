import { existsSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { openCursor, readSince, sessionLogFile } from '../../agents/log-files.js';
import { MamError } from '../../core/errors.js';
import { assertId } from '../../core/topics.js';
import { openWorkspace } from '../../core/workspace.js';
import { openRegistry } from '../../subscriber/registry/registry.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';

// How often -f asks the registry whether the session ended: often enough to exit promptly, rarely enough to cost
// nothing.
const ENDED_CHECK_MS = 1000;

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('job', argv, {
    follow: { type: 'boolean', short: 'f' },
    bytes: { type: 'string' },
  });
  if (positionals.length !== 1) throw usage('job', 'say which job: `mam job logs [-f] <id>`');
  const job = assertId(positionals[0], 'job id');
  const tail = values.bytes === undefined ? 64 * 1024 : Number(values.bytes);
  if (!/^\d+$/.test(values.bytes ?? '0') || !Number.isSafeInteger(tail))
    throw usage('job', `--bytes must be a whole number of bytes, got "${values.bytes}"`);
  const ws = openWorkspace(io.cwd, io.env);
  const file = sessionLogFile(ws.jobDir(job));
  if (!existsSync(file) && !values.follow)
    throw new MamError('UNKNOWN_JOB', `no session log for job ${job} on this host`, {
      hint: 'logs live on the host that runs the job',
    });
  const cursor = openCursor(file, tail);
  // One decoder across reads: a character split between two polls is printed whole.
  const decoder = new StringDecoder('utf8');
  let checked = Date.now();
  for (;;) {
    // Follows a rotation: the unread end of the old file (now session.log.1), then the new one from 0.
    const text = decoder.write(readSince(file, cursor));
    if (text) io.out(text);
    if (!values.follow || io.signal.aborted) return 0;
    if (Date.now() - checked >= ENDED_CHECK_MS) {
      checked = Date.now();
      // Read once more after the end was seen: what the session wrote last is printed, then -f exits.
      if (sessionEnded(ws.db, job)) {
        const rest = decoder.write(readSince(file, cursor)) + decoder.end();
        if (rest) io.out(rest);
        return 0;
      }
    }
    await sleep(200, undefined, { signal: io.signal }).catch(() => undefined);
  }
}

/** True once the job's current session has ended (a resume starts a new generation's, which is followed instead). */
function sessionEnded(db: string, job: string): boolean {
  if (!existsSync(db)) return false;
  const reg = openRegistry(db, { readonly: true });
  try {
    const row = reg.getJob(job);
    const s = row && row.gen > 0 ? reg.getSession(job, row.gen) : undefined;
    return s?.ended_at != null;
  } finally {
    reg.close();
  }
}
