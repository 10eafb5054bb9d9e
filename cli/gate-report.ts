import { join } from 'node:path';
import type { GateCheckRow } from '../subscriber/registry/check-writes.js';
import type { Registry } from '../subscriber/registry/registry.js';
import { fileTail } from '../agents/log-files.js';
import type { Io } from './io.js';
import { ago } from './open-registry.js';

/** Lines of the newest gate log `mam job show` prints. */
const SHOWN_TAIL = 15;

export interface GateReport {
  checks: Array<Omit<GateCheckRow, 'paths'> & { paths: string[] }>;
  /** the newest gate run's log and its last lines */
  log: { file: string; tail: string[] } | null;
}

/** A job's quality-gate runs and approval decisions, and the end of its newest gate log. */
export function gateReport(reg: Registry, jobDir: string, job: string): GateReport {
  const checks = reg.checksOf(job).map((c) => ({ ...c, paths: c.paths ? (JSON.parse(c.paths) as string[]) : [] }));
  const ran = checks.filter((c) => c.command !== null && c.started_at !== null).at(-1);
  const file = ran ? join(jobDir, `gate-${ran.n}.log`) : null;
  return { checks, log: file ? { file, tail: fileTail(file, SHOWN_TAIL) } : null };
}

function describe(c: GateReport['checks'][number]): string {
  const gate = c.command === null ? 'no gate' : `gate \`${c.command}\``;
  const result =
    c.result === null ? (c.started_at ? `running since ${ago(c.started_at)}` : 'waiting to run') : c.result;
  const exit = c.exit_code !== null ? `, exit ${c.exit_code}` : c.timed_out ? ', timed out' : '';
  const approval = c.decision ? `; approval ${c.decision}${c.approval ? ` (${c.approval})` : ''}` : '';
  return `check ${c.n} (gen ${c.gen}): ${gate}: ${result}${exit}${approval}`;
}

export function printGateReport(io: Io, r: GateReport): void {
  if (!r.checks.length) return;
  io.out('quality gate and approval:\n');
  for (const c of r.checks) {
    io.out(`  ${describe(c)}\n`);
    if (c.decision && c.detail) io.out(`    ${c.detail}\n`);
  }
  if (!r.log?.tail.length) return;
  io.out(`last ${r.log.tail.length} line(s) of ${r.log.file}:\n`);
  for (const line of r.log.tail) io.out(`  | ${line}\n`);
}
