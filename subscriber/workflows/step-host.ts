import { execa } from 'execa';
import { emitEvent } from '../../broker/emitter/emit-event.js';
import type { Context } from '../../core/context.js';
import type { Logger } from '../../core/logger.js';
import { topics } from '../../core/topics.js';
import { hostsPath, loadHostsFile } from '../../core/host-identity.js';
import type { StepSpec } from '../../core/workflow/workflow-types.js';
import type { JobSpec } from '../launch-session.js';
import { operatorIdentity } from '../operator-identity.js';
import type { Registry } from '../registry/registry.js';
import { isTerminal, type JobState } from '../state-machine.js';

/** Whether a host's labels carry a step's label: `k=v` that value, `k` any value. */
function carries(labels: Record<string, string>, label: string): boolean {
  const i = label.indexOf('=');
  return i < 0 ? Object.hasOwn(labels, label) : labels[label.slice(0, i)] === label.slice(i + 1);
}

/**
 * Where a step's job goes, decided once with the launch (the job's row keeps it): `host:` as
 * written; `labels:` among this host and the hosts of hosts.json not revoked, those carrying every
 * label, an online one first (this host, or one whose status this reconciler last received as
 * online), then the one with the fewest unended jobs in this registry (ties by name), as `mam job
 * create --labels` places a job; neither: this host. Undefined: no host carries the labels.
 */
export function createStepPlacer(ctx: Context) {
  return (reg: Registry, s: StepSpec): string | undefined => {
    if (s.host) return s.host;
    if (!s.labels?.length) return ctx.cfg.host;
    const hosts = loadHostsFile(hostsPath(ctx.ws)).hosts;
    const labelsOf = (h: string) => hosts[h]?.labels ?? {};
    const fits = [...new Set([ctx.cfg.host, ...Object.keys(hosts)])]
      .filter((h) => !hosts[h]?.revoked)
      .filter((h) => s.labels!.every((l) => carries(labelsOf(h), l)));
    const load = new Map<string, number>();
    for (const j of reg.listJobs({ limit: 100_000 }))
      if (!isTerminal(j.state as JobState)) load.set(j.host, (load.get(j.host) ?? 0) + 1);
    // A host last heard offline is taken only when no online one carries the labels: its create waits for it.
    const away = (h: string) => (h !== ctx.cfg.host && reg.hostStatus(h)?.status !== 'online' ? 1 : 0);
    return fits.sort((a, b) => away(a) - away(b) || (load.get(a) ?? 0) - (load.get(b) ?? 0) || a.localeCompare(b))[0];
  };
}

export type StepPlacer = ReturnType<typeof createStepPlacer>;

/**
 * A step job of another host whose create this host recorded and sent, but whose host has not
 * said anything of it yet (queued, generation 0): a restart between the commit and the send lost
 * nothing, the create goes again (the run driver sends each once per process; its host refuses
 * a second create of a job it has).
 */
export function notCreatedThere(
  reg: Registry,
  host: string,
  job: string,
): { job: string; host: string; spec: JobSpec } | undefined {
  const row = reg.getJob(job);
  if (!row || row.host === host || row.state !== 'queued' || row.gen !== 0) return undefined;
  return { job, host: row.host, spec: JSON.parse(row.spec) as JobSpec };
}

/**
 * Sends a step job's signed control.create to the host it was placed on, as `mam job create
 * --host` does (the operator key of this workspace, through the control key of that host). A
 * create carries what its schema allows: `{{brief}}` is filled here with this host's brief of the
 * step (`brief`; the run, its params and predecessors are known only here); the predecessors'
 * branches go as `from`, fetched there from the run's `remote`; the review hold stays this host's
 * (docs/WORKFLOWS.md, steps on other hosts).
 */
export async function sendStepCreate(
  ctx: Context,
  job: string,
  host: string,
  spec: JobSpec,
  brief: () => string = () => '',
): Promise<void> {
  const { run: _run, briefMark, reviewHold: _hold, ...body } = spec as JobSpec & { run?: unknown };
  if (briefMark && body.prompt) {
    const text = brief();
    body.prompt = body.prompt.replaceAll(`{{brief:${briefMark}}}`, () => text);
  }
  const r = await emitEvent(
    operatorIdentity(ctx, job, 0, host),
    topics.control(ctx.cfg.namespace, host),
    'control.create',
    body,
    { wait: false, timeoutMs: ctx.cfg.emit.ackTimeoutMs },
  );
  if (r.unreachable) throw new Error(`the broker is unreachable (${r.unreachable}): kept in the outbox`);
}

/**
 * A run's stop for its step job on another host: the operator's signed job.cancelled, as `mam job
 * stop` sends it, under that host's control key, the one operator key a joined host can check.
 */
export async function sendStepCancel(ctx: Context, job: string, reason: string, host?: string): Promise<void> {
  const body = { reason, by: `operator@${ctx.cfg.host}` };
  const to = host !== ctx.cfg.host ? host : undefined;
  await emitEvent(
    operatorIdentity(ctx, job, undefined, to),
    topics.events(ctx.cfg.namespace, job),
    'job.cancelled',
    body,
    { wait: false, timeoutMs: ctx.cfg.emit.ackTimeoutMs },
  );
}

/**
 * A done job of a run with a `remote`: its branch is pushed there, for the steps after it on other
 * hosts (they fetch it, handoff-branches.ts). The branch outlives the job's worktree, which the
 * sweep may have removed by now: it is found from the job's workdir. The branch is the job's own,
 * so the push replaces whatever an earlier push of it left. A failed push is logged: the step
 * waiting for the branch is blocked naming it, and a person can push it by hand.
 */
export async function handOnBranch(ctx: Context, job: string, spec: JobSpec, log: Logger): Promise<void> {
  if (!spec.remote) return;
  const git = (...args: string[]) =>
    execa('git', ['-C', spec.workdir ?? ctx.ws.root, ...args], { reject: false, timeout: 120_000, stdin: 'ignore' });
  const ref = `refs/heads/mam/${job}`;
  if ((await git('rev-parse', '--verify', '--quiet', ref)).exitCode !== 0) return; // it ran without a worktree
  const p = await git('push', '--quiet', '--', spec.remote, `+${ref}:${ref}`);
  if (p.exitCode === 0) log.info('branch pushed for the steps after it', { job, remote: spec.remote });
  else log.warn('branch not pushed', { job, remote: spec.remote, error: String(p.stderr).trim().slice(0, 500) });
}
