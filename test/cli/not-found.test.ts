import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reconciler } from '../../subscriber/reconciler.js';
import { expectCleanFailure } from '../helpers/cli-output.js';
import { startMesh, startReconciler, type Mesh } from '../helpers/reconciler.js';
import { runMam } from '../helpers/workspace.js';

let m: Mesh;
let rec: Reconciler | undefined;

beforeAll(async () => {
  m = await startMesh();
  rec = await startReconciler(m);
});
afterAll(async () => {
  await rec?.close();
  await m?.close();
});

describe('not found is exit 4 everywhere, with a hint', () => {
  it.each([
    ['job show', ['job', 'show', 'NOSUCH']],
    ['job resume', ['job', 'resume', 'NOSUCH']],
    ['job attach', ['job', 'attach', 'NOSUCH']],
    ['job logs', ['job', 'logs', 'NOSUCH']],
    ['job stop', ['job', 'stop', 'NOSUCH', '--wait', '5s']],
    ['emit', ['emit', 'job.progress', '--job', 'NOSUCH', '--field', 'message=x', '--timeout', '5s']],
    ['verdict', ['verdict', 'NOSUCH', 'PASS', '--timeout', '5s']],
    ['keys retire', ['keys', 'retire', 'nosuch']],
  ])('%s', async (_name, args) => {
    const t0 = Date.now();
    const r = await runMam(m.tw, args);
    expectCleanFailure(r, 4);
    // Said at once, not after waiting out an acknowledgement.
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it('job logs --bytes with a non-number is a usage error (2), not internal', async () => {
    const r = await runMam(m.tw, ['job', 'logs', 'NOSUCH', '--bytes', 'lots']);
    expectCleanFailure(r, 2);
    expect(String(r.stderr)).toMatch(/--bytes/);
  });
});
