import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { isMamSessionName, sessionName } from '../../agents/session-name.js';
import type { SessionBackend } from '../../agents/session-backend.js';
import type { JobRow } from '../registry/registry.js';
import type { DriftDeps } from './drift-deps.js';

/**
 * mam-named sessions mam has no row for. One that a launch of this host started but never recorded
 * (the reconciler stopped in between) is adopted by its job; any other is registered as an orphan
 * job (never killed).
 */
export function createOrphanCheck(d: DriftDeps) {
  const { reg, host, log } = d;
  /** Unknown mam-named sessions seen by the previous sweep: one is an orphan only if it is still unknown now. */
  let suspects = new Set<string>();

  /** The session a launch of `job`'s current generation would have named, in its workdir or its worktree. */
  function adopt(name: string, backend: string, pid: number | null, unrecorded: JobRow[]): boolean {
    for (const row of unrecorded) {
      if (d.busy(row.id)) continue;
      const spec = JSON.parse(row.spec) as { agent?: string; workdir?: string };
      const agent = spec.agent ?? row.agent ?? 'command';
      for (const workdir of [spec.workdir ?? d.ctx.ws.root, join(d.ctx.ws.worktreesDir, row.id)]) {
        if (sessionName({ agent, workdir, job: `${row.id}#${row.gen}` }) !== name) continue;
        reg.recordSession({ job: row.id, gen: row.gen, host, backend, name, pid, workdir, git_base: null });
        // From here it is the job's session like any other: ended by the sweep if its job has ended.
        log.warn('unrecorded session adopted by its job', { job: row.id, gen: row.gen, name, state: row.state });
        return true;
      }
    }
    return false;
  }

  return async function checkOrphans(
    scanned: SessionBackend[],
    listed: Map<string, Set<string> | undefined>,
  ): Promise<void> {
    const known = reg.sessionNames();
    // Read once a sweep, and only when some session is still unknown at its second sighting.
    let unrecorded: JobRow[] | undefined;
    const unknown = new Set<string>();
    for (const backend of scanned) {
      for (const name of listed.get(backend.name) ?? []) {
        if (!isMamSessionName(name) || known.has(name)) continue;
        unknown.add(name);
        // Seen unknown by two sweeps in a row: not a launch caught between starting and being recorded.
        if (!suspects.has(name)) continue;
        const pid = (await backend.pid(name)) ?? null;
        unrecorded ??= reg.jobsWithoutSession(host);
        if (adopt(name, backend.name, pid, unrecorded)) continue;
        const id = `orphan-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
        if (!reg.getJob(id)) {
          reg.transaction(() => {
            reg.createJob({
              id,
              state: 'running',
              host,
              agent: name.split('-')[1],
              reason: `orphan: session ${name} has no registry row; left running`,
            });
            reg.recordSession({
              job: id,
              gen: 0,
              host,
              backend: backend.name,
              name,
              pid,
              workdir: null,
              git_base: null,
            });
          });
          log.warn('orphan session registered (not killed)', { job: id, name, backend: backend.name });
          await d.publishState(id);
        }
      }
    }
    suspects = unknown;
  };
}
