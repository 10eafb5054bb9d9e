import { existsSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { MamError } from '../../core/errors.js';
import { assertId } from '../../core/topics.js';
import { openWorkspace } from '../../core/workspace.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';
import { openCursor, readSince, sessionLogFile } from '../../subscriber/log-files.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('job', argv, { follow: { type: 'boolean', short: 'f' }, bytes: { type: 'string' } });
  if (positionals.length !== 1) throw usage('job', 'say which job: `mam job logs [-f] <id>`');
  const job = assertId(positionals[0], 'job id');
  const file = sessionLogFile(openWorkspace(io.cwd, io.env).jobDir(job));
  if (!existsSync(file) && !values.follow) throw new MamError('UNKNOWN_JOB', `no session log for job ${job} on this host`, { hint: 'logs live on the host that runs the job' });
  const tail = values.bytes ? Number(values.bytes) : 64 * 1024;
  const cursor = openCursor(file, tail);
  // One decoder across reads: a character split between two polls is printed whole.
  const decoder = new StringDecoder('utf8');
  for (;;) {
    // Follows a rotation: the unread end of the old file (now session.log.1), then the new one from 0.
    const text = decoder.write(readSince(file, cursor));
    if (text) io.out(text);
    if (!values.follow || io.signal.aborted) return 0;
    await sleep(200, undefined, { signal: io.signal }).catch(() => undefined);
  }
}
