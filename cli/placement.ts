import type { Context } from '../core/context.js';
import { MamError } from '../core/errors.js';
import { hostsPath, loadHostsFile, parseLabels } from '../core/host-identity.js';
import { retainedStatuses } from './commands/hosts.js';
import type { Io } from './io.js';
import { readRegistryIfAny } from './open-registry.js';

const ENDED = new Set(['done', 'failed', 'cancelled', 'timeout', 'lost']);

/**
 * The host a new job goes to. `--host auto` (or `--labels` alone): among the
 * hosts whose retained status says online and whose labels match, the one with
 * the fewest unended jobs in this registry. An explicit host whose status says
 * offline is refused unless `--queue-offline` (the broker keeps the command).
 */
export async function placeJob(
  ctx: Context,
  io: Io,
  o: { host?: string; labels?: string; queueOffline?: boolean },
): Promise<string> {
  const wanted = parseLabels(o.labels);
  const auto = o.host === 'auto' || (o.host === undefined && o.labels !== undefined);
  if (!auto) {
    const host = o.host ?? ctx.cfg.host;
    if (host === ctx.cfg.host || o.queueOffline) return host;
    const s = (await retainedStatuses(io, 300)).get(host);
    if (s?.status === 'offline')
      throw new MamError(
        'HOST_OFFLINE',
        // A last will carries no time (subscriber/reconciler/host-status.ts); a clean stop does.
        `host ${host} is offline${s.since ? ` (its status since ${new Date(s.since).toISOString()})` : ''}`,
        {
          hint: `start its reconciler, choose another host (\`mam hosts\`, --host auto), or pass --queue-offline to queue the job for it`,
        },
      );
    return host;
  }
  const hosts = loadHostsFile(hostsPath(ctx.ws)).hosts;
  const statuses = await retainedStatuses(io, 300);
  const labelsOf = (h: string) => hosts[h]?.labels ?? {};
  const fits = [...new Set([ctx.cfg.host, ...Object.keys(hosts)])]
    .filter((h) => !hosts[h]?.revoked && statuses.get(h)?.status === 'online')
    .filter((h) => Object.entries(wanted).every(([k, v]) => labelsOf(h)[k] === v));
  if (fits.length === 0)
    throw new MamError('UNKNOWN_HOST', `no online host has the labels ${o.labels ?? '(any)'}`, {
      hint: '`mam hosts` lists the hosts with their labels and status',
    });
  const load = readRegistryIfAny(ctx, new Map<string, number>(), (reg) => {
    const m = new Map<string, number>();
    for (const j of reg.listJobs({})) if (!ENDED.has(j.state)) m.set(j.host, (m.get(j.host) ?? 0) + 1);
    return m;
  });
  return fits.sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || a.localeCompare(b))[0];
}
