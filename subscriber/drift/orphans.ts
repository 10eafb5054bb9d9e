import { createHash } from 'node:crypto';
import { isMamSessionName } from '../../agents/session-name.js';
import type { SessionBackend } from '../../agents/session-backend.js';
import type { DriftDeps } from './drift-deps.js';

/** mam-named sessions mam has no row for: registered as orphan jobs (never killed). */
export function createOrphanCheck(d: DriftDeps) {
  const { reg, host, log } = d;
  /** Unknown mam-named sessions seen by the previous sweep: one is an orphan only if it is still unknown now. */
  let suspects = new Set<string>();

  return async function checkOrphans(scanned: SessionBackend[], listed: Map<string, Set<string> | undefined>): Promise<void> {
    const known = reg.sessionNames();
    const unknown = new Set<string>();
    for (const backend of scanned) {
      for (const name of listed.get(backend.name) ?? []) {
        if (!isMamSessionName(name) || known.has(name)) continue;
        unknown.add(name);
        // Seen unknown by two sweeps in a row: not a launch caught between starting and being recorded.
        if (!suspects.has(name)) continue;
        const id = `orphan-${createHash('sha256').update(name).digest('hex').slice(0, 12)}`;
        if (!reg.getJob(id)) {
          const pid = (await backend.pid(name)) ?? null;
          reg.transaction(() => {
            reg.createJob({ id, state: 'running', host, agent: name.split('-')[1], reason: `orphan: session ${name} has no registry row; left running` });
            reg.recordSession({ job: id, gen: 0, host, backend: backend.name, name, pid, workdir: null, git_base: null });
          });
          log.warn('orphan session registered (not killed)', { job: id, name, backend: backend.name });
          await d.publishState(id);
        }
      }
    }
    suspects = unknown;
  };
}
