import { awaitsCheck } from '../policies/done-checks.js';
import type { SessionRow } from '../registry/registry.js';
import { isLive, isTerminal } from '../state-machine.js';
import type { DriftDeps } from './drift-deps.js';

/**
 * Sessions gone behind mam's back → their jobs lost; live sessions whose job already ended → ended.
 * `listed`: each backend's session names, undefined where the listing failed.
 */
export function createLostSessionCheck(d: DriftDeps) {
  const { reg, host, log } = d;

  /**
   * A live session whose job already reached a terminal state in the same generation: that end was
   * committed (verified event, timeout, cancel) but the reconciler stopped before acting on it. It is
   * ended now through the same verified path, once per session in this process's life (a refusal —
   * another pid, say — is logged once, not every sweep).
   */
  const finishedTried = new Set<string>();
  function endIfFinished(s: SessionRow) {
    const row = reg.getJob(s.job);
    const key = `${s.job}\0${s.gen}`;
    if (!row || row.host !== host || row.gen !== s.gen || !isTerminal(row.state) || finishedTried.has(key)) return;
    // Committed in this process and its termination still to come (or just done): that one ends it.
    if (d.settling(s.job) || reg.getSession(s.job, s.gen)?.ended_at) return;
    finishedTried.add(key);
    log.warn('session outlived its job; ending it', { job: s.job, gen: s.gen, state: row.state });
    void d.onJob(s.job, () => d.end(row, `${row.state} committed before the session was ended`));
  }

  return async function checkLostSessions(
    rows: SessionRow[],
    listed: Map<string, Set<string> | undefined>,
  ): Promise<void> {
    // Each lost job is written at once and its state published without waiting for the previous
    // one's PUBACK: after a reboot a host can have many, and a busy broker acknowledges slowly.
    const marked: Array<Promise<unknown>> = [];
    for (const s of rows) {
      if (d.busy(s.job)) continue;
      // No such backend here (tmux uninstalled) → gone; a failed listing proves nothing either way.
      const names = listed.get(s.backend);
      if (listed.has(s.backend) && (!names || names.has(s.name))) {
        if (names) endIfFinished(s);
        continue;
      }
      reg.endSession(s.job, s.gen, 'lost: session vanished');
      const row = reg.getJob(s.job);
      if (row && row.gen === s.gen && isLive(row.state)) {
        if (awaitsCheck(reg, row)) {
          log.info('session ended while its job waits for its gate or approval', {
            job: s.job,
            gen: s.gen,
            state: row.state,
          });
          continue;
        }
        log.warn('session lost', { job: s.job, gen: s.gen, name: s.name });
        marked.push(d.act(s.job, 'lost', `session ${s.name} vanished without a terminal event`));
      }
    }
    await Promise.all(marked);
  };
}
