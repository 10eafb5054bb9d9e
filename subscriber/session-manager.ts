import { createHash } from 'node:crypto';
import { adapterFor } from '../agents/adapters/index.js';
import { isMamSessionName } from '../agents/session-name.js';
import type { BackendName } from '../agents/session-backend.js';
import type { Context } from '../core/context.js';
import { errorData, type Logger } from '../core/logger.js';
import { RESUMED_REASON, type Outcome } from './apply-message.js';
import { missingArtifacts } from './check-artifacts.js';
import { timeoutReason } from './timeout-reason.js';
import { launchSession, type JobSpec, type Launched } from './launch-session.js';
import type { ReconcilerCore } from './reconciler.js';
import type { JobRow, SessionRow } from './registry/registry.js';
import { createSessionBackends } from './session-backends.js';
import { followSessionLogs, type SessionLogs } from './session-logs.js';
import { latestResume, liveJobs, sessionNames, strandedJobs } from './registry/queries.js';
import { isLive, isTerminal, type Transition } from './state-machine.js';
import { terminateSession } from './terminate-session.js';
import { createWorktreeSweeper } from './worktrees.js';

/**
 * Sessions of this host: launches on create/resume, ends a session through
 * terminate-session.ts after a verified terminal event, and sweeps for drift
 * (vanished sessions → lost, unknown mam sessions → orphans, timeouts).
 */
export function createSessionManager(ctx: Context, log: Logger, env: NodeJS.ProcessEnv, rec: ReconcilerCore) {
  const host = ctx.cfg.host;
  const backends = createSessionBackends({ tmuxSocket: ctx.cfg.sessions.tmuxSocket, log });
  const { reg, publishState } = rec;
  const specOf = (row: JobRow) => JSON.parse(row.spec) as JobSpec;
  const logs: SessionLogs = followSessionLogs(ctx, log.child('logs'), rec);
  const sweepWorktrees = createWorktreeSweeper(ctx, log.child('worktrees'));

  /** Applies a reconciler action (not an event) through the state table and publishes the new state. */
  async function act(job: string, input: Transition, reason: string): Promise<JobRow | undefined> {
    const row = reg.getJob(job);
    if (!row || !reg.transitionJob(row, input, reason)) return undefined;
    await publishState(job);
    return reg.getJob(job);
  }

  async function end(row: JobRow, reason: string) {
    const session = reg.getSession(row.id, row.gen);
    if (!session || session.ended_at) return;
    const backend = await backends.get(session.backend as BackendName);
    const verdict = await terminateSession({
      reg: reg, backend, adapter: adapterFor(row.agent ?? 'command'), job: row.id, gen: row.gen, reason,
      graceMs: ctx.cfg.sessions.killGraceMs, log,
    });
    if (!verdict.terminated) log.warn('termination refused', { job: row.id, why: verdict.why });
    await publishState(row.id);
    // The removal policy decides; a session that refused to end keeps its worktree.
    await sweepWorktrees(reg, row.id);
  }

  async function launch(job: string, prompt?: string) {
    let row = reg.getJob(job);
    if (!row) return;
    // A first launch (or a retry) opens a new generation; a resume arrives with its generation already bumped.
    if (reg.transitionJob(row, 'launch', null, { gen: row.gen + 1 })) row = reg.getJob(job)!;
    try {
      logs.track(job, row.gen);
      const l = await launchSession({ ctx, reg: reg, backends, jobId: job, gen: row.gen, spec: specOf(row), prompt, env });
      log.info('session launched', { job, gen: row.gen, name: l.name, backend: l.backend, pid: l.pid, why: l.reason, isolation: l.isolation });
      await publishState(job);
      drive(job, row.gen, specOf(row).agent, l);
    } catch (err) {
      log.error('launch failed', { job, error: (err as Error).message });
      const reason = `launch failed: ${(err as Error).message}`.slice(0, 4000);
      if (!reg.transitionJob(row, 'job.failed', reason)) reg.setJobReason(row, reason);
      await publishState(job);
    }
  }

  /** A committed resume: the previous generation's session ends (superseded, its verified end), then `gen` launches. */
  async function resume(job: string, gen: number, prompt?: string) {
    const prev = reg.getSession(job, gen - 1);
    if (prev && !prev.ended_at) {
      const backend = await backends.get(prev.backend as BackendName);
      await terminateSession({ reg: reg, backend, job, gen: gen - 1, reason: 'superseded by resume', superseded: true, graceMs: ctx.cfg.sessions.killGraceMs, log }).catch(() => undefined);
    }
    await launch(job, prompt);
  }

  const driving = new Set<AbortController>();

  /**
   * Readiness, dialogs and the prompt, beside ingestion (never awaited by it).
   * An agent that gets stuck leaves its job blocked, the reason naming the
   * screen, which stays in the job folder; the session is left for a person.
   */
  function drive(job: string, gen: number, agent: string, l: Launched) {
    const adapter = adapterFor(agent);
    if (!adapter.drive) return;
    const ctl = new AbortController();
    driving.add(ctl);
    const t0 = Date.now();
    void backends
      .get(l.backend as BackendName)
      .then((backend) => adapter.drive!({ backend, name: l.name, signal: ctl.signal }, l.job))
      .then(
        () => log.info('agent driven', { job, gen, prompted: !!l.job.prompt, ms: Date.now() - t0 }),
        async (err: Error) => {
          if (ctl.signal.aborted) return;
          log.warn('agent not driven', { job, gen, error: err.message });
          if (reg.getJob(job)?.gen === gen) await act(job, 'job.blocked', err.message.slice(0, 4000));
        },
      )
      .catch((err: Error) => log.error('drive failure not recorded', { job, error: errorData(err) }))
      .finally(() => driving.delete(ctl));
  }

  /** Each job's actions run in order (its launch before its termination); jobs never wait for one another. */
  const chains = new Map<string, Promise<void>>();
  function onJob(job: string, work: () => Promise<void>): Promise<void> {
    const next = (chains.get(job) ?? Promise.resolve()).then(work).catch((err: Error) => log.error('session action failed', { job, error: errorData(err) }));
    chains.set(job, next);
    void next.then(() => chains.get(job) === next && chains.delete(job));
    return next;
  }

  async function afterCommit(outcomes: Outcome[]) {
    // Queued at once, in commit order; awaited together, so the reconciler's close still waits for all of it.
    await Promise.all(outcomes.map((o) => {
      if (o.kind === 'created' && o.ownHost && o.launch) return onJob(o.job, () => launch(o.job));
      if (o.kind === 'resumed' && o.ownHost) return onJob(o.job, () => resume(o.job, o.gen, o.prompt));
      if (o.kind === 'applied' && o.from !== o.to && isTerminal(o.to)) {
        return onJob(o.job, async () => {
          const row = reg.getJob(o.job);
          if (row && row.host === host && row.gen === o.gen) await end(row, `${o.type} (seq ${o.seq} from ${o.sender})`);
        });
      }
      return undefined;
    }));
  }

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
    if (rec.settling(s.job) || reg.getSession(s.job, s.gen)?.ended_at) return;
    finishedTried.add(key);
    log.warn('session outlived its job; ending it', { job: s.job, gen: s.gen, state: row.state });
    void onJob(s.job, () => end(row, `${row.state} committed before the session was ended`));
  }

  /** The prompt of the resume that opened the job's current generation, read from its committed event. */
  function resumePrompt(row: JobRow): string | undefined {
    // Only a resume leaves this reason (a launch clears it), so the latest applied resume opened this generation.
    if (row.reason !== RESUMED_REASON) return undefined;
    const ev = latestResume(reg, row.id);
    if (!ev) return undefined;
    try {
      // The audit copy of a message verified before it was committed: read as it stands.
      const body = (JSON.parse((JSON.parse(ev.raw.toString('utf8')) as { msg: string }).msg) as { body: { prompt?: unknown } }).body;
      return typeof body.prompt === 'string' ? body.prompt : undefined;
    } catch {
      return undefined; // an audit row changed by hand: the generation launches without the prompt
    }
  }

  /** Launches the sweep made itself (see sweep), by job and generation: each once. */
  const launchTried = new Set<string>();

  /** Unknown mam-named sessions seen by the previous sweep: one is an orphan only if it is still unknown now. */
  let suspects = new Set<string>();

  /** Drift: sessions gone behind mam's back, mam sessions mam does not know, jobs past their timeout. */
  async function sweep() {
    // Rows first, then one listing per backend (not one tmux call per session): a session is
    // recorded only after it started, so every row read here is in a listing taken after it.
    const rows = reg.liveSessions(host);
    const listed = new Map<string, Set<string> | undefined>();
    const scanned = await backendsToScan();
    for (const name of new Set(rows.map((s) => s.backend))) {
      if (!scanned.some((b) => b.name === name)) {
        const b = await backends.get(name as BackendName).catch(() => undefined);
        if (b) scanned.push(b);
      }
    }
    for (const b of scanned) listed.set(b.name, await b.list().then((l) => new Set(l), () => undefined));
    // Each lost job is written at once and its state published without waiting for the previous
    // one's PUBACK: after a reboot a host can have many, and a busy broker acknowledges slowly.
    const marked: Array<Promise<unknown>> = [];
    for (const s of rows) {
      // A launch or termination of this job is under way: that action records how it ends.
      if (chains.has(s.job)) continue;
      // No such backend here (tmux uninstalled) → gone; a failed listing proves nothing either way.
      const names = listed.get(s.backend);
      if (listed.has(s.backend) && (!names || names.has(s.name))) {
        if (names) endIfFinished(s);
        continue;
      }
      reg.endSession(s.job, s.gen, 'lost: session vanished');
      const row = reg.getJob(s.job);
      if (row && row.gen === s.gen && isLive(row.state)) {
        log.warn('session lost', { job: s.job, gen: s.gen, name: s.name });
        marked.push(act(s.job, 'lost', `session ${s.name} vanished without a terminal event`));
      }
    }
    await Promise.all(marked);
    const known = sessionNames(reg);
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
          await publishState(id);
        }
      }
    }
    suspects = unknown;
    // A launch that never came: the reconciler stopped between committing a create (job queued) or a
    // resume (job starting in a generation with no session yet) and acting on it. Done now, once per
    // generation in this process's life; one under way is left to that action. A launch: false job
    // waits in starting at generation 0 for an agent started elsewhere, and is left alone.
    for (const row of strandedJobs(reg, host)) {
      const key = `${row.id}\0${row.gen}`;
      if (chains.has(row.id) || rec.settling(row.id) || launchTried.has(key)) continue;
      if (row.state === 'starting' && reg.getSession(row.id, row.gen)) continue;
      launchTried.add(key);
      if (row.state === 'queued') {
        log.warn('queued job was never launched; launching it', { job: row.id });
        void onJob(row.id, () => launch(row.id));
      } else {
        log.warn('generation never launched; launching it', { job: row.id, gen: row.gen, resumed: row.reason === RESUMED_REASON });
        void onJob(row.id, () => resume(row.id, row.gen, resumePrompt(row)));
      }
    }
    const now = Date.now();
    for (const row of liveJobs(reg, host)) {
      const session = reg.getSession(row.id, row.gen);
      const since = session?.started_at ?? row.created_at;
      const why = timeoutReason(specOf(row).timeoutMs, ctx.cfg.sessions.startDeadlineSeconds, row.state, session !== undefined, now - since);
      if (why) {
        log.warn('job timed out', { job: row.id, why });
        await onJob(row.id, async () => {
          const after = await act(row.id, 'timeout', why);
          if (after) await end(after, 'timeout');
        });
      }
    }
    await sweepWorktrees(reg);
  }

  /** tmux whenever it is installed (its sessions outlive a daemon restart), pty only once this process used it. */
  async function backendsToScan() {
    const list = await backends.active();
    if (!list.some((b) => b.name === 'tmux')) {
      const tmux = await backends.get('tmux').catch(() => undefined);
      if (tmux) list.push(tmux);
    }
    return list;
  }

  return {
    hooks: {
      afterCommit,
      sweep,
      missingArtifacts(row: JobRow): string[] {
        const expect = specOf(row).expect ?? [];
        if (!expect.length) return [];
        const s = reg.getSession(row.id, row.gen);
        return missingArtifacts(s?.workdir ?? row.workdir ?? ctx.ws.root, expect, s?.git_base ?? undefined);
      },
    },
    close: () => {
      for (const ctl of driving) ctl.abort();
      logs.close();
      return backends.close();
    },
  };
}
