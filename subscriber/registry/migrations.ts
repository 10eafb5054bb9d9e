import type Database from 'better-sqlite3';

/**
 * Schema migrations by PRAGMA user_version: migration i brings the database
 * from version i to i+1, each in its own transaction. Never edit a shipped
 * migration; append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    reason TEXT,
    gen INTEGER NOT NULL DEFAULT 0,
    host TEXT NOT NULL,
    agent TEXT,
    workdir TEXT,
    spec TEXT NOT NULL DEFAULT '{}',
    state_seq INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_event_at INTEGER
  );
  CREATE INDEX jobs_state ON jobs(state);
  CREATE TABLE sessions (
    job TEXT NOT NULL,
    gen INTEGER NOT NULL,
    host TEXT NOT NULL,
    backend TEXT NOT NULL,
    name TEXT NOT NULL,
    pid INTEGER,
    workdir TEXT,
    git_base TEXT,
    agent_session_id TEXT,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    end_reason TEXT,
    PRIMARY KEY (job, gen)
  );
  CREATE INDEX sessions_live ON sessions(host, ended_at);
  -- Append-only audit log of every verified, fresh message; raw = the exact signed bytes.
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    sender TEXT NOT NULL,
    seq INTEGER NOT NULL,
    gen INTEGER NOT NULL,
    type TEXT NOT NULL,
    ts INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    kid TEXT NOT NULL,
    applied INTEGER NOT NULL,
    state_after TEXT,
    raw BLOB NOT NULL,
    UNIQUE (job, sender, seq)
  );
  CREATE TABLE hwm (
    job TEXT NOT NULL,
    sender TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (job, sender)
  ) WITHOUT ROWID;
  CREATE TABLE verdicts (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    sender TEXT NOT NULL,
    seq INTEGER NOT NULL,
    verdict TEXT NOT NULL,
    findings TEXT NOT NULL,
    reviewer TEXT,
    ts INTEGER NOT NULL
  );
  CREATE INDEX verdicts_job ON verdicts(job);
  CREATE TABLE rejections (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT,
    topic TEXT NOT NULL,
    job TEXT,
    sender TEXT,
    seq INTEGER,
    raw BLOB
  );
  CREATE INDEX rejections_job ON rejections(job);
  `,
  // Rejections are pruned (count and age); the count of each reason since the registry began survives.
  `
  CREATE TABLE rejection_counts (
    reason TEXT PRIMARY KEY,
    n INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL
  );
  INSERT INTO rejection_counts (reason, n, first_at, last_at) SELECT reason, COUNT(*), MIN(at), MAX(at) FROM rejections GROUP BY reason;
  CREATE INDEX rejections_at ON rejections(at);
  `,
  // The signed timestamp of the control.create that made the job: the job's incarnation (docs/RECONCILER.md).
  `
  ALTER TABLE jobs ADD COLUMN born_ts INTEGER;
  `,
  // `mam jobs` lists the newest first: without it, every listing sorted the whole table.
  `
  CREATE INDEX jobs_created ON jobs(created_at);
  `,
  // Job policies (docs/POLICIES.md): the queue's priority, a retry's backoff deadline, the retries and
  // gate runs used; escalations (what needs a person) and circuit breakers per agent kind.
  `
  ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 5;
  ALTER TABLE jobs ADD COLUMN not_before INTEGER;
  ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE jobs ADD COLUMN gate_runs INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX jobs_waiting ON jobs(host, state, priority);
  CREATE TABLE escalations (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    host TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    command TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    cleared_at INTEGER
  );
  CREATE INDEX escalations_open ON escalations(cleared_at, created_at);
  CREATE TABLE breakers (
    host TEXT NOT NULL,
    agent TEXT NOT NULL,
    state TEXT NOT NULL,
    failures TEXT NOT NULL DEFAULT '[]',
    reason TEXT,
    opened_at INTEGER,
    probe_job TEXT,
    PRIMARY KEY (host, agent)
  ) WITHOUT ROWID;
  `,
  // Quality gates and approvals (docs/POLICIES.md): one row per check of a verified done — its gate
  // run (command NULL: approval only), the run's outcome, and the approval decision with its paths.
  `
  CREATE TABLE gate_checks (
    job TEXT NOT NULL,
    n INTEGER NOT NULL,
    gen INTEGER NOT NULL,
    command TEXT,
    requested_at INTEGER NOT NULL,
    started_at INTEGER,
    pid INTEGER,
    ended_at INTEGER,
    exit_code INTEGER,
    timed_out INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    decision TEXT,
    detail TEXT,
    paths TEXT,
    approval TEXT,
    PRIMARY KEY (job, n)
  ) WITHOUT ROWID;
  `,
  // Workflow schedules (docs/WORKFLOWS.md): kept by the host that holds them, with the time of the
  // next firing; each firing is recorded, so a restart fires a missed one once and never twice.
  `
  CREATE TABLE schedules (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    cron TEXT NOT NULL,
    file TEXT NOT NULL,
    workflow TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    added_by TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    next_at INTEGER,
    last_fired_at INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE schedule_firings (
    id INTEGER PRIMARY KEY,
    schedule TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    fired_at INTEGER NOT NULL,
    missed INTEGER NOT NULL DEFAULT 0,
    run TEXT,
    error TEXT
  );
  CREATE INDEX schedule_firings_schedule ON schedule_firings(schedule, fired_at);
  `,
  // Workflow runs (docs/WORKFLOWS.md), owned by the host where they started: the run, and each
  // launch its reconciler decided, committed with the step's job, whose id it determines.
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    file TEXT NOT NULL,
    workflow TEXT NOT NULL,
    workdir TEXT NOT NULL,
    params TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL,
    reason TEXT,
    started_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE run_steps (
    run TEXT NOT NULL,
    step TEXT NOT NULL,
    item INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    job TEXT NOT NULL UNIQUE,
    decided_at INTEGER NOT NULL,
    PRIMARY KEY (run, step, item, attempt)
  ) WITHOUT ROWID;
  CREATE INDEX runs_host_state ON runs(host, state);
  `,
  `
  -- Other hosts' liveness as this reconciler last received it (hosts/<host>/status), with when it
  -- last heard them online: \`mam hosts\` and \`mam jobs\` (host offline) read it.
  CREATE TABLE host_status (
    host TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    since INTEGER,
    seen INTEGER,
    running INTEGER,
    max INTEGER,
    received_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`registry schema version ${current} is newer than this mam (${MIGRATIONS.length}); upgrade mam`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
