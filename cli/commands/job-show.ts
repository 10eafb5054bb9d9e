import { logTail } from '../../agents/log-files.js';
import { assertId } from '../../core/topics.js';
import { openWorkspace } from '../../core/workspace.js';
import { isWaiting } from '../../subscriber/scheduler/scheduler.js';
import { queuePositions } from '../../subscriber/scheduler/queue-position.js';
import { parseFlags, usage } from '../args.js';
import { gateReport, printGateReport } from '../gate-report.js';
import type { Io } from '../io.js';
import { ago, agingMs, noSuchJob, openRegistryReadOnly } from '../open-registry.js';
import { displayState, offlineHosts } from '../host-offline.js';

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('job', argv, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw usage('job', 'say which job: `mam job show <id>`');
  const id = assertId(positionals[0], 'job id');
  const reg = openRegistryReadOnly(io);
  try {
    const job = reg.getJob(id);
    if (!job) throw noSuchJob(id);
    const timeline = reg.jobTimeline(id);
    const rejections = reg.listRejections({ job: id, limit: 50 }).map(({ raw: _raw, ...r }) => r);
    const verdicts = reg.listVerdicts(id);
    const sessions = reg.jobSessions(id);
    const jobDir = openWorkspace(io.cwd, io.env).jobDir(id);
    const logLines = logTail(jobDir, 20);
    const gates = gateReport(reg, jobDir, id);
    const offline = offlineHosts(reg);
    const display = displayState(job, offline);
    const queuePosition = isWaiting(job) ? (queuePositions(reg, [job.host], agingMs(io)).get(id) ?? null) : null;
    if (values.json) {
      io.out(
        JSON.stringify({
          job: { ...job, spec: JSON.parse(job.spec), queuePosition, display },
          sessions,
          timeline,
          verdicts,
          rejections,
          log: logLines,
          gates,
        }) + '\n',
      );
      return 0;
    }
    io.out(`job ${job.id}: ${display}${job.reason ? ` (${job.reason})` : ''}\n`);
    const down = display === job.state ? undefined : offline.get(job.host);
    if (down)
      io.out(
        `  its host ${job.host} is offline${down.since ? ` since ${new Date(down.since).toISOString()}` : ''}${down.seen ? `, last seen ${ago(down.seen)}` : ''}; last state ${job.state}: nothing is killed or moved, it resumes when ${job.host}'s reconciler is back\n`,
      );
    if (queuePosition !== null)
      io.out(
        `  queue position ${queuePosition} on ${job.host}, priority ${job.priority}${job.not_before && job.not_before > Date.now() ? `, not before ${new Date(job.not_before).toISOString()}` : ''}\n`,
      );
    io.out(`  host ${job.host}, agent ${job.agent ?? '-'}, generation ${job.gen}, workdir ${job.workdir ?? '-'}\n`);
    io.out(`  created ${ago(job.created_at)}, updated ${ago(job.updated_at)}\n`);
    for (const s of sessions) {
      io.out(
        `  session gen ${s.gen}: ${s.backend} ${s.name} pid ${s.pid ?? '-'}${s.ended_at ? ` ended (${s.end_reason})` : ' live'}${s.agent_session_id ? ` agent-session ${s.agent_session_id}` : ''}\n`,
      );
      if (s.workdir) io.out(`    in ${s.workdir}${s.git_base ? ` from ${s.git_base.slice(0, 12)}` : ''}\n`);
    }
    io.out('timeline:\n');
    for (const e of timeline) {
      const body = JSON.stringify(e.body);
      io.out(
        `  ${new Date(e.ts).toISOString()} ${e.type.padEnd(15)} seq=${e.seq} gen=${e.gen} ${e.sender}${e.applied ? ` → ${e.state_after}` : ' (not applied)'} ${body.length > 120 ? body.slice(0, 117) + '...' : body}\n`,
      );
    }
    if (verdicts.length) io.out('verdicts:\n');
    for (const v of verdicts) {
      io.out(
        `  ${new Date(v.ts).toISOString()} ${v.verdict} by ${v.reviewer ?? v.sender} (seq ${v.seq}): ${v.findings.length} finding(s)\n`,
      );
      for (const f of v.findings as Array<{ message: string; severity?: string; file?: string; line?: number }>) {
        const where = f.file ? `${f.file}${f.line !== undefined ? `:${f.line}` : ''}` : '';
        io.out(
          `    - ${[f.severity && `[${f.severity}]`, where, f.message.replace(/\s+/g, ' ')].filter(Boolean).join(' ')}\n`,
        );
      }
    }
    printGateReport(io, gates);
    if (rejections.length) io.out('rejected messages for this job:\n');
    for (const r of rejections) io.out(`  ${ago(r.at)} ${r.reason}: ${r.detail ?? ''}\n`);
    if (logLines.length)
      io.out(`last ${logLines.length} line(s) of the session log (\`mam job logs ${id}\` for more):\n`);
    for (const line of logLines) io.out(`  | ${line}\n`);
    return 0;
  } finally {
    reg.close();
  }
}
