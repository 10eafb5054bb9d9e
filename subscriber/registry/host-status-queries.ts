import type Database from 'better-sqlite3';

/** Another host's liveness as this reconciler last received it. */
export interface HostStatusRow {
  host: string;
  status: 'online' | 'offline';
  /** when that status began (null: a last will read back retained, whose time is unknown) */
  since: number | null;
  /** when the host was last heard online */
  seen: number | null;
  running: number | null;
  max: number | null;
  received_at: number;
}

/** The hosts' statuses (subscriber/reconciler/record-host-status.ts writes them; the CLI reads them). */
export function createHostStatusQueries(db: Database.Database) {
  const get = db.prepare<[string], HostStatusRow>('SELECT * FROM host_status WHERE host = ?');
  const all = db.prepare<[], HostStatusRow>('SELECT * FROM host_status ORDER BY host');
  const put = db.prepare<HostStatusRow>(
    `INSERT INTO host_status (host, status, since, seen, running, max, received_at)
     VALUES (@host, @status, @since, @seen, @running, @max, @received_at)
     ON CONFLICT (host) DO UPDATE SET status = excluded.status, since = excluded.since, seen = excluded.seen,
       running = excluded.running, max = excluded.max, received_at = excluded.received_at`,
  );
  return {
    hostStatus: (host: string): HostStatusRow | undefined => get.get(host),
    hostStatuses: (): HostStatusRow[] => all.all(),
    /** Not an event: outside any batch, never replayed, the latest received wins. */
    recordHostStatus: (row: HostStatusRow): void => void put.run(row),
  };
}
