import type { HostsFile } from '../core/host-identity.js';
import type { HostStatusRow } from '../subscriber/registry/registry.js';

/** A host's signed status body, as its reconciler publishes it (retained). */
export interface Status {
  status: string;
  since?: number;
  seen?: number;
  running?: number;
  max?: number;
}

/**
 * The hosts `mam hosts` and the dashboard list: this one, the joined ones (hosts.json) and any
 * with a status; each with its labels, status, since, capacity and when it was last seen. `heard`
 * is what this workspace's reconciler recorded of each host, since a last will carries no time.
 */
export function hostRows(
  self: string,
  file: HostsFile,
  statuses: Map<string, Status>,
  heard: Map<string, HostStatusRow>,
) {
  const names = [...new Set([self, ...Object.keys(file.hosts), ...statuses.keys()])].sort();
  return names.map((name) => {
    const e = file.hosts[name];
    const s = statuses.get(name);
    const h = heard.get(name);
    const online = s?.status === 'online';
    return {
      host: name,
      labels: e?.labels ?? {},
      operator: e?.operator ?? false,
      revoked: e?.revoked ?? null,
      status: e?.revoked ? 'revoked' : (s?.status ?? 'unknown'),
      since: s?.since ?? (h?.status === s?.status ? h?.since : null) ?? null,
      running: online ? (s?.running ?? null) : null,
      max: online ? (s?.max ?? null) : null,
      lastSeen: Math.max(s?.seen ?? 0, h?.seen ?? 0) || null,
    };
  });
}
