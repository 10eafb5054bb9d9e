import type { Context } from '../core/context.js';
import { hostsPath, loadHostsFile } from '../core/host-identity.js';
import { invalidWorkflow } from '../core/workflow/parse-workflow.js';
import type { Workflow } from '../core/workflow/workflow-types.js';
import { retainedStatuses } from './commands/hosts.js';
import type { Io } from './io.js';

/**
 * The hosts a workflow's steps name (`host:`) must exist: this host, a host of hosts.json not
 * revoked, or one whose reconciler has a retained status (a workspace of copied keys). A step sent
 * to a host nobody runs would wait forever; the run is refused before it starts (exit 2).
 */
export async function checkStepHosts(ctx: Context, io: Io, file: string, wf: Workflow): Promise<void> {
  const named = [...new Set(wf.steps.flatMap((s) => (s.host && s.host !== ctx.cfg.host ? [s.host] : [])))];
  if (!named.length) return;
  const hosts = loadHostsFile(hostsPath(ctx.ws)).hosts;
  const statuses = await retainedStatuses(io, 300);
  const problems = named.flatMap((h) =>
    hosts[h]?.revoked
      ? [`host "${h}" named by a step is revoked`]
      : hosts[h] || statuses.has(h)
        ? []
        : [`host "${h}" named by a step is not known here (\`mam hosts\` lists the hosts)`],
  );
  if (problems.length) throw invalidWorkflow(file, problems);
}
