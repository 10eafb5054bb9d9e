/**
 * Where a step with `labels:` goes: among the hosts carrying every label, one last heard online
 * before one last heard offline, then the least loaded; a host offline is still taken when it is
 * the only one, so the step's create waits for it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../subscriber/registry/registry.js';
import { createStepPlacer } from '../../subscriber/workflows/step-host.js';
import { makeWorkspace, runMam, type TestWorkspace } from '../helpers/workspace.js';

let tw: TestWorkspace;
let reg: Registry;
beforeAll(async () => {
  tw = await makeWorkspace();
  for (const [host, labels] of [
    ['B', 'gpu=yes'],
    ['C', 'gpu=yes'],
    ['D', 'zone=d'],
  ] as const) {
    const r = await runMam(tw, ['host', 'add', host, '--labels', labels, '--out', join(tw.root, `${host}.json`)]);
    expect(r.exitCode, String(r.stderr)).toBe(0);
  }
  reg = openRegistry(tw.context().ws.db);
});
afterAll(() => {
  reg?.close();
  tw?.cleanup();
});

const status = (host: string, s: 'online' | 'offline') =>
  reg.recordHostStatus({ host, status: s, since: Date.now(), seen: null, running: 0, max: 0, received_at: Date.now() });

describe('a step placed by labels', () => {
  it('goes to a host last heard online before one last heard offline, and to an offline one when it is the only one', () => {
    const place = createStepPlacer(tw.context());
    const step = (labels: string[]) => ({ id: 's', agent: 'command', labels }) as Parameters<typeof place>[1];
    // By name when neither has been heard from.
    expect(place(reg, step(['gpu=yes']))).toBe('B');
    status('B', 'offline');
    status('C', 'online');
    expect(place(reg, step(['gpu=yes']))).toBe('C');
    status('B', 'online');
    status('C', 'offline');
    expect(place(reg, step(['gpu=yes']))).toBe('B');
    status('D', 'offline');
    expect(place(reg, step(['zone=d']))).toBe('D');
    expect(place(reg, step(['zone=none']))).toBeUndefined();
  });
});
