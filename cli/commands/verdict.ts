import { emitEvent } from '../../broker/emitter/emit-event.js';
import type { EmitIdentity } from '../../broker/emitter/emit-identity.js';
import { describeErrors, validatorFor } from '../../core/json-schema.js';
import { topics } from '../../core/topics.js';
import type { ReviewVerdictBody } from '../../schemas/event-bodies.js';
import { parseDuration, parseFlags, usage } from '../args.js';
import { isQueued, queuedReport } from '../emit-outcome.js';
import type { Io } from '../io.js';
import { resolveIdentity } from './emit.js';

const VERDICTS = ['PASS', 'NOT_PASS'] as const;

function verdictOf(word: string): ReviewVerdictBody['verdict'] | undefined {
  const v = word.toUpperCase().replace('-', '_');
  return (VERDICTS as readonly string[]).includes(v) ? (v as ReviewVerdictBody['verdict']) : undefined;
}

/** `--finding-json`: one finding object, or a list of them. */
function parseFindingJson(text: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw usage('verdict', `--finding-json is not valid JSON: ${(err as Error).message}`);
  }
  return Array.isArray(value) ? value : [value];
}

/** The verdict body, checked against schemas/events/review.verdict.json before anything is signed. */
export function verdictBody(
  verdict: ReviewVerdictBody['verdict'],
  findings: string[],
  findingJson: string[],
  reviewer?: string,
): ReviewVerdictBody {
  const body = {
    verdict,
    findings: [...findings.map((message) => ({ message })), ...findingJson.flatMap(parseFindingJson)],
    ...(reviewer !== undefined ? { reviewer } : {}),
  };
  const validate = validatorFor('events/review.verdict.json');
  if (!validate(body))
    throw usage('verdict', `the verdict is not valid: ${describeErrors(validate.errors, 'verdict').join('; ')}`);
  return body as ReviewVerdictBody;
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('verdict', argv, {
    finding: { type: 'string', multiple: true },
    'finding-json': { type: 'string', multiple: true },
    reviewer: { type: 'string' },
    sender: { type: 'string' },
    timeout: { type: 'string' },
    'no-wait': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  // Inside an agent session the job is the session's own, so `mam verdict PASS` is enough.
  const inSession = Boolean(io.env.MAM_JOB_KEY && io.env.MAM_JOB_ID);
  const [first, second] = positionals;
  const job = positionals.length === 2 ? first : undefined;
  const word = positionals.length === 2 ? second : first;
  const verdict = word === undefined ? undefined : verdictOf(word);
  if (positionals.length < 1 || positionals.length > 2 || !verdict)
    throw usage('verdict', 'say the job and the verdict: `mam verdict <job> PASS|NOT_PASS`');
  if (!job && !inSession)
    throw usage(
      'verdict',
      'say which job: `mam verdict <job> PASS|NOT_PASS` (the job may be omitted only inside an agent session)',
    );
  const body = verdictBody(verdict, values.finding ?? [], values['finding-json'] ?? [], values.reviewer);
  const id = resolveIdentity(io, job, values.sender, undefined);
  const timeoutMs = values.timeout ? parseDuration('verdict', values.timeout) : id.ackTimeoutMs;
  return publishVerdict(io, 'verdict', id, body, { timeoutMs, wait: !values['no-wait'], json: values.json });
}

/** Signs and publishes a verdict on reviews/<job>/verdicts and reports it; the exit status (75: kept in the outbox). */
export async function publishVerdict(
  io: Io,
  command: string,
  id: EmitIdentity,
  body: ReviewVerdictBody,
  o: { timeoutMs: number; wait: boolean; json?: boolean },
): Promise<number> {
  const r = await emitEvent(id, topics.verdicts(id.ns, id.job), 'review.verdict', body, {
    wait: o.wait,
    timeoutMs: o.timeoutMs,
  });
  const queued = isQueued(r, o.wait);
  if (o.json) {
    io.out(
      JSON.stringify({
        job: id.job,
        verdict: body.verdict,
        findings: body.findings.length,
        seq: r.seq,
        gen: r.gen,
        committed: r.committed,
        queued,
        sent: r.unreachable === undefined,
      }) + '\n',
    );
  } else if (queued) {
    io.err(queuedReport(command, `${body.verdict} for ${id.job}`, id.job, r, o.timeoutMs, id.jobDir));
  } else {
    io.out(
      `${body.verdict} job=${id.job} findings=${body.findings.length} seq=${r.seq}${r.committed ? ' committed' : ' published'}\n`,
    );
  }
  return queued ? 75 : 0;
}
