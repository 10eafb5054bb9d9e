import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry } from '../../subscriber/registry/registry.js';
import { makeWorkspace, readRegistry, runMam, type TestWorkspace } from '../helpers/workspace.js';

const DAY = 86_400_000;

// Event retention: `mam gc --events-older-than` keeps the registry from growing without bound,
// but only for jobs long ended, and never below the window in which a replay must be recognised.
describe('mam gc --events-older-than', () => {
  let tw: TestWorkspace;
  const events = (job: string) => readRegistry(tw.context().ws.db, (reg) => reg.jobTimeline(job).map((e) => e.seq));
  beforeAll(async () => {
    tw = await makeWorkspace();
    const reg = openRegistry(tw.context().ws.db);
    const now = Date.now();
    // OLD ended 40 days ago; LIVE is still running with events as old; NEW ended yesterday.
    for (const [id, state, at] of [
      ['OLD', 'done', now - 40 * DAY],
      ['LIVE', 'running', now - 40 * DAY],
      ['NEW', 'done', now - DAY],
    ] as const) {
      reg.restoreJob({
        job: {
          id,
          state,
          reason: null,
          gen: 0,
          host: 'testhost',
          agent: 'command',
          workdir: null,
          spec: '{}',
          state_seq: 0,
          created_at: now,
          updated_at: at,
          last_event_at: null,
          born_ts: null,
          priority: 5,
          not_before: null,
          attempts: 0,
          gate_runs: 0,
        },
        // Five events, the last not applied: the last applied one (seq 4) is the one that ended it.
        events: Array.from({ length: 5 }, (_, i) => ({
          job: id,
          sender: 'agent',
          seq: i + 1,
          gen: 1,
          type: 'job.progress',
          ts: at,
          received_at: at,
          kid: 'k0',
          applied: i === 4 ? 0 : 1,
          state_after: 'running',
          raw: Buffer.from([0]),
        })),
      });
    }
    reg.close();
  });
  afterAll(() => tw?.cleanup());

  it('refuses an age under events.maxAgeSeconds (exit 2), deleting nothing', async () => {
    const r = await runMam(tw, ['gc', '--events-older-than', '1h']);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toMatch(/events\.maxAgeSeconds/);
    expect(events('OLD')).toEqual([1, 2, 3, 4, 5]);
  });

  it('with --dry-run counts, then deletes the events of long-ended jobs but their first and last applied', async () => {
    const dry = await runMam(tw, ['gc', '--events-older-than', '30d', '--dry-run', '--json']);
    expect(dry.exitCode, String(dry.stderr)).toBe(0);
    expect(JSON.parse(String(dry.stdout))).toMatchObject({ eventsPruned: 3 });
    expect(events('OLD')).toEqual([1, 2, 3, 4, 5]);

    const r = await runMam(tw, ['gc', '--events-older-than', '30d', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(JSON.parse(String(r.stdout))).toMatchObject({ eventsPruned: 3 });
    expect(events('OLD')).toEqual([1, 4]);
    expect(events('LIVE')).toEqual([1, 2, 3, 4, 5]);
    expect(events('NEW')).toEqual([1, 2, 3, 4, 5]);
  });
});
