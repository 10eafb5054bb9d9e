import type { BackendName } from '../../agents/session-backend.js';
import type { DriftDeps } from './drift-deps.js';
import { createInterruptedGateCheck } from './interrupted-gates.js';
import { createLostSessionCheck } from './lost-sessions.js';
import { createOrphanCheck } from './orphans.js';
import { createStrandedLaunchCheck } from './stranded-launches.js';
import { checkTimeouts } from './timeouts.js';

/**
 * Drift, one check a file: sessions gone behind mam's back, mam sessions mam does not know,
 * launches that never came, quality gates a stopped reconciler left unfinished, jobs past their
 * timeout. `after`: work that ends each sweep.
 */
export function createDriftSweep(d: DriftDeps, after: () => Promise<void>) {
  const { backends, reg } = d;
  const checkLostSessions = createLostSessionCheck(d);
  const checkOrphans = createOrphanCheck(d);
  const checkStrandedLaunches = createStrandedLaunchCheck(d);
  const checkInterruptedGates = createInterruptedGateCheck(d);

  /** tmux whenever it is installed (its sessions outlive a daemon restart), pty only once this process used it. */
  async function backendsToScan() {
    const list = await backends.active();
    if (!list.some((b) => b.name === 'tmux')) {
      const tmux = await backends.get('tmux').catch(() => undefined);
      if (tmux) list.push(tmux);
    }
    return list;
  }

  return async function sweep(): Promise<void> {
    // Rows first, then one listing per backend (not one tmux call per session): a session is
    // recorded only after it started, so every row read here is in a listing taken after it.
    const rows = reg.liveSessions(d.host);
    const listed = new Map<string, Set<string> | undefined>();
    const scanned = await backendsToScan();
    for (const name of new Set(rows.map((s) => s.backend))) {
      if (!scanned.some((b) => b.name === name)) {
        const b = await backends.get(name as BackendName).catch(() => undefined);
        if (b) scanned.push(b);
      }
    }
    for (const b of scanned)
      listed.set(
        b.name,
        await b.list().then(
          (l) => new Set(l),
          () => undefined,
        ),
      );
    await checkLostSessions(rows, listed);
    await checkOrphans(scanned, listed);
    checkStrandedLaunches();
    await checkInterruptedGates();
    await checkTimeouts(d);
    await after();
  };
}
