import type { HostStatusRow, JobRow, Registry } from '../subscriber/registry/registry.js';
import { isTerminal } from '../subscriber/state-machine.js';

/** What `mam jobs` and `mam job show` say of a job whose host's reconciler is gone. */
export const HOST_OFFLINE = 'host offline';

/**
 * The other hosts this workspace's reconciler last heard go offline (their last will, or a clean
 * stop). Their jobs keep their host and state: nothing here kills or reassigns them.
 */
export function offlineHosts(reg: Registry): Map<string, HostStatusRow> {
  return new Map(reg.hostStatuses().flatMap((r) => (r.status === 'offline' ? [[r.host, r] as const] : [])));
}

/** The state to show: `host offline` for an unended job of an offline host, its own state otherwise. */
export function displayState(job: Pick<JobRow, 'host' | 'state'>, offline: Map<string, HostStatusRow>): string {
  return offline.has(job.host) && !isTerminal(job.state) ? HOST_OFFLINE : job.state;
}
