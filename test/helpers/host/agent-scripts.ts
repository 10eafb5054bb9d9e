import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestHost } from './index.js';

/**
 * The agent most suites use: reports started, then waits for the test to drop
 * `go-<gen>` into its workdir and runs it (e.g. `touch out.txt; mam emit job.done`),
 * so the test decides what each generation does and when. It never exits on its own.
 */
export const GATED_AGENT = `mam emit job.started || exit 1
while [ ! -f "go-$MAM_GEN" ]; do sleep 0.05; done
. "./go-$MAM_GEN"
exec sleep 600
`;

/** Writes its artifact, reports done once, then stays: only mam may end the session. */
export const DONE_AGENT = `echo ok > out.txt
mam emit job.done --field summary=ok || exit 1
exec sleep 600
`;

/**
 * Waits for the test to drop `go` into the job folder, then runs it: for an agent in a
 * repository, where a file in the workdir would be an uncommitted change of the worktree.
 */
export const GATE = 'while [ ! -f "$MAM_JOB_DIR/go" ]; do sleep 0.05; done\n. "$MAM_JOB_DIR/go"\n';

/** Makes the gated agent of a job run `commands` in generation `gen`. */
export function release(h: TestHost, id: string, gen: number, commands: string): void {
  dropGate(join(h.workdirOf(id), `go-${gen}`), commands);
}

/** Makes a job's GATE run `commands`. */
export function openGate(h: TestHost, job: string, commands: string): void {
  dropGate(join(h.ctx.ws.jobDir(job), 'go'), commands);
}

function dropGate(file: string, commands: string): void {
  // Renamed into place: the agent polls for the file and must never read it half-written.
  writeFileSync(`${file}.tmp`, `${commands}\n`);
  renameSync(`${file}.tmp`, file);
}
