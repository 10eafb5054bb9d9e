import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../subscriber/registry/migrations.js';
import { makeWorkspace, runMam, type TestWorkspace } from '../helpers/workspace.js';

// A registry written by the first schema (an earlier mam), read by this mam's CLI before any
// reconciler of this version has opened it: the reading commands work, and the schema is upgraded.
describe('a registry of an earlier schema', () => {
  let tw: TestWorkspace;
  beforeAll(async () => {
    tw = await makeWorkspace();
    const db = new Database(tw.context().ws.db);
    db.exec(MIGRATIONS[0]!);
    db.pragma('user_version = 1');
    const now = Date.now();
    db.prepare(
      `INSERT INTO jobs (id, state, gen, host, agent, spec, created_at, updated_at) VALUES ('OLD1', 'done', 1, 'testhost', 'command', '{}', ?, ?)`,
    ).run(now, now);
    db.close();
  });
  afterAll(() => tw?.cleanup());

  it('is listed and shown by the CLI, and upgraded to this schema', async () => {
    expect(SCHEMA_VERSION).toBeGreaterThan(1);
    const jobs = await runMam(tw, ['jobs', '--json']);
    expect(jobs.exitCode, String(jobs.stderr)).toBe(0);
    expect(JSON.parse(String(jobs.stdout))).toEqual([expect.objectContaining({ id: 'OLD1', state: 'done' })]);
    const show = await runMam(tw, ['job', 'show', 'OLD1']);
    expect(show.exitCode, String(show.stderr)).toBe(0);
    const db = new Database(tw.context().ws.db, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });
});
