import type { Registry } from '../registry/registry.js';
import { orderQueue } from './queue-order.js';

/**
 * Each waiting job's place (1 = next) in its host's queue, in the order the scheduler takes them
 * now. Computed when asked, never stored: a stored position would be a write per waiting job at
 * every launch.
 */
export function queuePositions(
  reg: Registry,
  hosts: Iterable<string>,
  agingMs: number,
  now = Date.now(),
): Map<string, number> {
  const at = new Map<string, number>();
  for (const host of new Set(hosts)) {
    orderQueue(reg.waitingJobs(host), now, agingMs).forEach((j, i) => at.set(j.id, i + 1));
  }
  return at;
}
