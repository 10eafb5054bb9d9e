import { readFileSync } from 'node:fs';
import { loadContext } from '../../core/context.js';
import { MamError } from '../../core/errors.js';
import { assertId } from '../../core/topics.js';
import { type Brief, briefText } from '../../core/workflow/brief.js';
import { worktreeBranch } from '../../subscriber/workflows/brief-file.js';
import { buildBrief } from '../../subscriber/workflows/job-brief.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';
import { noSuchJob, readRegistryIfAny } from '../open-registry.js';

/**
 * Inside a session: the brief its reconciler wrote at the launch (the session has no workspace
 * path, so no registry), and only its own job's.
 */
function sessionBrief(io: Io, job: string | undefined): Brief {
  const own = io.env.MAM_JOB_ID!;
  if (job !== undefined && job !== own)
    throw new MamError('USAGE', `this session belongs to job ${own}; it cannot read the brief of ${job}`, {
      hint: 'run `mam brief` with no job: it gives this job its brief',
    });
  const file = io.env.MAM_BRIEF_FILE;
  if (!file)
    throw new MamError('FILE_NOT_FOUND', `no brief was written for job ${own} at its launch`, {
      hint: 'the reconciler writes it at each launch; a session started by an older mam has none',
    });
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Brief;
  } catch (err) {
    throw new MamError('FILE_NOT_FOUND', `cannot read the brief of job ${own}: ${(err as Error).message}`, {
      hint: 'the brief is written at each launch into the job folder; a resume writes it again',
    });
  }
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('brief', argv, { json: { type: 'boolean' } });
  if (positionals.length > 1) throw usage('brief', 'one job at most: `mam brief [<job>]`');
  const named = positionals[0] === undefined ? undefined : assertId(positionals[0], 'job id');
  let brief: Brief;
  if (io.env.MAM_JOB_ID) brief = sessionBrief(io, named);
  else {
    if (named === undefined) throw usage('brief', 'say which job: `mam brief <job>` (inside a session, no job)');
    const ctx = loadContext(io.cwd, io.env);
    const b = readRegistryIfAny(ctx, undefined, (reg) => buildBrief(reg, named, (j) => worktreeBranch(ctx, j)));
    if (!b) throw noSuchJob(named);
    brief = b;
  }
  io.out(values.json ? `${JSON.stringify(brief)}\n` : briefText(brief));
  return 0;
}
