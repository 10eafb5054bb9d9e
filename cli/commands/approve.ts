import { existsSync } from 'node:fs';
import { loadContext } from '../../core/context.js';
import { MamError } from '../../core/errors.js';
import { assertId } from '../../core/topics.js';
import { openRegistry } from '../../subscriber/registry/registry.js';
import { parseDuration, parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';
import { operatorForJob } from '../operator-for-job.js';
import { publishVerdict, verdictBody } from './verdict.js';

/**
 * `mam approve <job>`: the operator's PASS for a job waiting in review for a person (its
 * approval human, or risk with high-risk changes). Always signed with the operator key, also
 * inside an agent session, whose job key could not approve.
 */
export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('approve', argv, {
    finding: { type: 'string', multiple: true },
    timeout: { type: 'string' },
    'no-wait': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw usage('approve', 'say which job: `mam approve <job>`');
  const job = assertId(positionals[0]!, 'job id');
  const ctx = loadContext(io.cwd, io.env);
  refuseUnlessInReview(ctx.ws.db, job);
  const body = verdictBody('PASS', values.finding ?? [], [], `operator@${ctx.cfg.host}`);
  const timeoutMs = values.timeout ? parseDuration('approve', values.timeout) : ctx.cfg.emit.ackTimeoutMs;
  return publishVerdict(io, 'approve', operatorForJob(ctx, job), body, {
    timeoutMs,
    wait: !values['no-wait'],
    json: values.json,
  });
}

/** A job this host knows that is not in review has nothing to approve; one it does not know may be another host's. */
function refuseUnlessInReview(db: string, job: string): void {
  if (!existsSync(db)) return;
  const reg = openRegistry(db, { readonly: true });
  try {
    const row = reg.getJob(job);
    if (row && row.state !== 'review') {
      throw new MamError(
        'NOT_IN_REVIEW',
        `job ${job} is ${row.state}${row.reason ? ` (${row.reason})` : ''}: nothing waits for an approval`,
        { hint: `\`mam job show ${job}\` says what it waits for` },
      );
    }
  } finally {
    reg.close();
  }
}
