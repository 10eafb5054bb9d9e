import type { Config } from '../../core/config.js';
import { MamError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { StepSpec } from '../../core/workflow/workflow-types.js';
import type { JobSpec } from '../launch-session.js';
import type { Registry } from '../registry/registry.js';
import { type Decision, decideRun } from './decide-steps.js';

export interface RunDriverDeps {
  reg: Registry;
  host: string;
  /** the policies' defaults: whether a failed or lost step job still has a retry to come */
  cfg: Config;
  log: Logger;
  publishState(job: string): Promise<void>;
  /** the queue: launches what was just created, by the jobs' own policies */
  kick(): Promise<void> | void;
  /** publishes a job's committed escalation (subscriber/policies/escalations.ts) */
  announce(job: string): unknown;
  /** launches the committed new generation of a resumed job with its prompt, once the commit is synced */
  resume(job: string, gen: number, prompt: string): unknown;
  /** ends the session of a job whose end the decision committed (a held step's review decided it) */
  end(job: string, gen: number, reason: string): unknown;
  /** brings `prompt` to the job's live session through its adapter (a held step's findings) */
  prompt(job: string, gen: number, prompt: string): unknown;
  /** the host a step's job goes to (step-host.ts); undefined: none carries its labels */
  place(reg: Registry, s: StepSpec): string | undefined;
  /** sends the signed control.create of a step job to the host it was placed on */
  send(job: string, host: string, spec: JobSpec): Promise<void>;
  /**
   * A joined host's claim of a step job it launches itself: its signed control.create on its own
   * control topic, which makes the job this host's at the broker (whose ACL lets a host's agents
   * publish only for jobs it saw created for that host). Absent on the admin, whose logins need none.
   */
  claim?(job: string, spec: JobSpec): Promise<void>;
}

/**
 * Drives this host's runs: after each commit and each sweep, decides from committed states which
 * steps launch now (decide-steps.ts). A decision and its jobs commit together before the queue
 * launches anything, so a crash at any point leaves either both or neither.
 */
export function createRunDriver(d: RunDriverDeps) {
  let running: Promise<void> | undefined;
  let again = false;
  let created = 0;
  // Creates sent to other hosts by this process: a decision that sees one not created there yet sends it once.
  const sent = new Set<string>();
  // Claims acknowledged by the broker in this process (see `claim`).
  const claimed = new Set<string>();

  /**
   * What this host has to claim: the jobs a decision just created (blockers and follow-ups are no
   * run steps), and its runs' step jobs not launched yet (queued, generation 0) — after a restart,
   * those whose claim may have been lost with it — less what this process has claimed already.
   */
  const toClaim = (made: string[]): Array<{ job: string; spec: JobSpec }> => {
    const ids = new Set(made);
    for (const run of d.reg.activeRuns(d.host))
      for (const r of d.reg.runSteps(run.id)) {
        const row = d.reg.getJob(r.job);
        if (row?.host === d.host && row.state === 'queued' && row.gen === 0) ids.add(r.job);
      }
    return [...ids]
      .filter((job) => !claimed.has(job))
      .map((job) => ({ job, spec: JSON.parse(d.reg.getJob(job)!.spec) as JobSpec }));
  };

  async function once(): Promise<void> {
    const jobs: string[] = [];
    const raise: Decision['escalations'] = [];
    const resumes: Decision['resumes'] = [];
    const held: Decision['held'] = { ends: [], prompts: [] };
    const sends: Decision['sends'] = [];
    for (const run of d.reg.activeRuns(d.host)) {
      try {
        const made = d.reg.transaction(() => {
          // Read again inside the write lock: a stop committed since the list was read is seen.
          const fresh = d.reg.getRun(run.id);
          return fresh?.state === 'running'
            ? decideRun(d.reg, d.host, fresh, Date.now(), d.cfg, (st) => d.place(d.reg, st))
            : undefined;
        });
        if (made?.created.length) d.log.info('run steps launched', { run: run.id, jobs: made.created });
        jobs.push(...(made?.created ?? []));
        raise.push(...(made?.escalations ?? []));
        resumes.push(...(made?.resumes ?? []));
        held.ends.push(...(made?.held.ends ?? []));
        held.prompts.push(...(made?.held.prompts ?? []));
        sends.push(...(made?.sends ?? []).filter((x) => !sent.has(x.job)));
      } catch (err) {
        d.log.error('run decision failed', { run: run.id, error: (err as Error).message });
      }
    }
    created += jobs.length;
    // Queued on the job's chain at once (the launch waits there for the commit to be synced): the drift
    // sweep, which launches a generation no action is under way for, must not launch this one as well.
    for (const r of resumes) void d.resume(r.job, r.gen, r.prompt);
    for (const job of raise) await d.announce(job);
    if (resumes.length || held.ends.length || held.prompts.length) await d.reg.synced();
    for (const r of resumes) await d.publishState(r.job);
    for (const e of held.ends) {
      await d.publishState(e.job);
      void d.end(e.job, e.gen, e.reason);
    }
    if (sends.length) await d.reg.synced();
    for (const x of sends) {
      sent.add(x.job);
      d.log.info('run step sent to its host', { job: x.job, host: x.host });
      await d.send(x.job, x.host, x.spec).catch((err: Error) => {
        // This workspace cannot sign for that host (no operator key): no later decision could either.
        if (err instanceof MamError) {
          const why = `step job ${x.job} cannot be sent to host ${x.host}: ${err.message}`;
          d.reg.transaction(() => d.reg.setRunState(x.run, 'failed', why));
          return void d.log.error('run step not sent', { run: x.run, job: x.job, error: err.message });
        }
        sent.delete(x.job);
        d.log.warn('run step not sent; the next decision sends it again', { job: x.job, error: err.message });
      });
    }
    for (const p of held.prompts) {
      await d.publishState(p.job);
      void d.prompt(p.job, p.gen, p.prompt);
    }
    const claims = d.claim ? toClaim(jobs) : [];
    if (jobs.length === 0 && claims.length === 0) return;
    await d.reg.synced();
    for (const c of claims) {
      // Before the launch: an agent publishing for a job its host has not claimed is refused by the broker.
      await d.claim!(c.job, c.spec).then(
        () => claimed.add(c.job),
        (err: Error) =>
          d.log.warn('run step not claimed; the next decision claims it again', { job: c.job, error: err.message }),
      );
    }
    for (const j of jobs) await d.publishState(j);
    await d.kick();
  }

  return {
    /** Decides every running run of this host; calls made while one is under way run once after it. */
    async advance(): Promise<void> {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        do {
          again = false;
          await once();
        } while (again);
      })().finally(() => {
        running = undefined;
      });
      return running;
    },
    stats: () => ({ created }),
  };
}
