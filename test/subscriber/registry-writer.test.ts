import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../subscriber/registry/registry.js';
import { createWalSync } from '../../subscriber/registry/wal-sync.js';

const dirs: string[] = [];
const regs: Registry[] = [];
afterEach(() => {
  for (const r of regs.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function registry(): { reg: Registry; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mam-walsync-'));
  dirs.push(dir);
  const path = join(dir, 'mam.db');
  const reg = openRegistry(path);
  regs.push(reg);
  return { reg, path };
}

describe('registry durability (group commit)', () => {
  it('resolves synced() for every commit, including ones made while a sync is under way', async () => {
    const { reg, path } = registry();
    const waits: Array<Promise<void>> = [];
    for (let i = 0; i < 20; i++) {
      reg.transaction(() => reg.createJob({ id: `j${i}`, state: 'queued', host: 'h' }));
      waits.push(reg.synced());
    }
    await Promise.all(waits);
    // Nothing new written: resolved without another sync.
    await expect(reg.synced()).resolves.toBeUndefined();
    const reader = openRegistry(path, { readonly: true });
    try {
      expect(reader.listJobs()).toHaveLength(20);
    } finally {
      reader.close();
    }
  });

  it('keeps the registry in WAL mode without a sync per commit', () => {
    const { reg } = registry();
    // 1 = NORMAL: the WAL is synced by synced(), off the event loop.
    expect(reg.durability()).toEqual({ journalMode: 'wal', synchronous: 1 });
  });

  it('rejects, saying what failed, when the WAL cannot be synced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mam-walsync-'));
    dirs.push(dir);
    const sync = createWalSync(join(dir, 'missing', 'mam.db-wal'));
    await expect(sync.synced(1)).rejects.toThrow(/syncing .*mam\.db-wal failed: ENOENT/);
    // A later write is tried again, not refused for good.
    await expect(sync.synced(2)).rejects.toThrow(/ENOENT/);
    await expect(sync.synced(0)).resolves.toBeUndefined();
    sync.close();
  });
});

describe("the registry writer's cache", () => {
  it('reads again what another connection committed (a second writer on the same file)', () => {
    const { reg, path } = registry();
    const other = openRegistry(path);
    regs.push(other);
    reg.transaction(() => {
      reg.createJob({ id: 'J', state: 'running', host: 'h' });
      reg.setHwm('J', 'agent', 3);
    });
    // Cached by the first writer…
    expect(reg.transaction(() => [reg.getJob('J')?.state, reg.hwm('J', 'agent')])).toEqual(['running', 3]);
    // …changed by the second…
    other.transaction(() => {
      other.updateJob('J', 'done', 'finished elsewhere', 0);
      other.setHwm('J', 'agent', 9);
    });
    // …and seen by the first, in a transaction or out of one, not served from memory.
    expect([reg.getJob('J')?.state, reg.hwm('J', 'agent')]).toEqual(['done', 9]);
    other.transaction(() => other.updateJob('J', 'failed', 'changed again', 0));
    expect(reg.transaction(() => [reg.getJob('J')?.state, reg.getJob('J')?.reason])).toEqual([
      'failed',
      'changed again',
    ]);
  });
});
