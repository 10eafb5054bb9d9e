import Database from 'better-sqlite3';

/**
 * Runs `fn` on a connection of the test's own to a registry file, closed after: to read raw rows
 * no registry query returns, or to change rows behind the registry's back (age them, lose them,
 * make an insert fail). The registry sees such a change as another connection's commit.
 */
export function withRegistryFile<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { fileMustExist: true });
  try {
    // The registry's writer may hold the write lock for a moment.
    db.pragma('busy_timeout = 5000');
    return fn(db);
  } finally {
    db.close();
  }
}
