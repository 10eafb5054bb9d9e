import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MamError } from '../../core/errors.js';
import { assertId } from '../../core/topics.js';
import { openWorkspace } from '../../core/workspace.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';

/** Reads bytes [from, size) of a file. */
function readFrom(file: string, from: number, size: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - from);
    readSync(fd, buf, 0, buf.length, from);
    return buf;
  } finally {
    closeSync(fd);
  }
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('job', argv, { follow: { type: 'boolean', short: 'f' }, bytes: { type: 'string' } });
  if (positionals.length !== 1) throw usage('job', 'say which job: `mam job logs [-f] <id>`');
  const job = assertId(positionals[0], 'job id');
  const file = join(openWorkspace(io.cwd, io.env).jobDir(job), 'session.log');
  if (!existsSync(file) && !values.follow) throw new MamError('UNKNOWN_JOB', `no session log for job ${job} on this host`, { hint: 'logs live on the host that runs the job' });
  const tail = values.bytes ? Number(values.bytes) : 64 * 1024;
  let pos = existsSync(file) ? Math.max(0, statSync(file).size - tail) : 0;
  for (;;) {
    const size = existsSync(file) ? statSync(file).size : 0;
    if (size < pos) pos = 0; // rotated: start over on the new file
    if (size > pos) {
      io.out(readFrom(file, pos, size).toString('utf8'));
      pos = size;
    }
    if (!values.follow || io.signal.aborted) return 0;
    await sleep(200, undefined, { signal: io.signal }).catch(() => undefined);
  }
}
