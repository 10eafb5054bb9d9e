import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry } from '../../subscriber/registry/registry.js';
import { withRegistryFile } from '../helpers/registry-file.js';
import { makeWorkspace, runMam, type TestWorkspace } from '../helpers/workspace.js';

let tw: TestWorkspace;

beforeAll(async () => {
  tw = await makeWorkspace({ namespace: 'gcrej' });
  tw.patchConfig({ rejections: { keepMax: 100, keepDays: 1 } });
  // A registry as a reconciler leaves it: 130 refused messages, the newest 10 of them two days old.
  const reg = openRegistry(tw.context().ws.db);
  for (let i = 0; i < 130; i++)
    reg.insertRejection({
      reason: i % 2 ? 'bad_signature' : 'schema',
      topic: 'mam/v1/gcrej/jobs/G1/events',
      job: 'G1',
      raw: Buffer.alloc(900),
    });
  reg.close();
  withRegistryFile(tw.context().ws.db, (db) =>
    db.prepare('UPDATE rejections SET at = ? WHERE id > 120').run(Date.now() - 2 * 86_400_000),
  );
});
afterAll(() => tw?.cleanup());

const rows = () =>
  withRegistryFile(
    tw.context().ws.db,
    (db) => db.prepare('SELECT COUNT(*) AS n FROM rejections').pluck().get() as number,
  );

describe('mam gc prunes refused messages', () => {
  it('--dry-run counts what goes beyond keepMax and keepDays; gc deletes it; the counts per reason stay whole', async () => {
    const dry = await runMam(tw, ['gc', '--dry-run', '--json']);
    expect(dry.exitCode, String(dry.stderr)).toBe(0);
    expect(JSON.parse(String(dry.stdout)).rejectionsPruned).toBe(40);
    expect(rows()).toBe(130);
    const r = await runMam(tw, ['gc']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toMatch(/pruned 40 refused message/);
    expect(rows()).toBe(90);
    const counts = JSON.parse(String((await runMam(tw, ['rejections', '--json'])).stdout)).counts;
    expect(counts).toEqual([
      { reason: 'bad_signature', n: 65 },
      { reason: 'schema', n: 65 },
    ]);
  });
});
