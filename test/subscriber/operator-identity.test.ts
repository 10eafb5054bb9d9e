import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateSeq } from '../../broker/emitter/seq.js';
import { operatorIdentity } from '../../subscriber/operator-identity.js';
import { makeWorkspace, type TestWorkspace } from '../helpers/workspace.js';

// The operator keeps its seq counters and outbox in its own folder of the job, which the sandbox
// hides from the job's agent; a workspace that counted in the job folder itself carries on from there.
describe('the operator identity of a job', () => {
  let tw: TestWorkspace;
  beforeAll(async () => {
    tw = await makeWorkspace();
  });
  afterAll(() => tw?.cleanup());

  it('counts in the operator folder, apart from what the job folder holds', async () => {
    const ctx = tw.context();
    const id = operatorIdentity(ctx, 'fresh', 0);
    expect(id.jobDir).toBe(ctx.ws.operatorDir('fresh'));
    expect(id.jobDir).not.toBe(ctx.ws.jobDir('fresh'));
    expect(await allocateSeq(id.jobDir, id.sender)).toBe(1);
  });

  it('carries on from a counter left in the job folder by an earlier version', async () => {
    const ctx = tw.context();
    const sender = `operator@${ctx.cfg.host}`;
    mkdirSync(ctx.ws.jobDir('legacy'), { recursive: true });
    writeFileSync(join(ctx.ws.jobDir('legacy'), `seq-${sender}`), '41');
    const id = operatorIdentity(ctx, 'legacy', 0);
    expect(await allocateSeq(id.jobDir, id.sender)).toBe(42);
    // Adopted once: a second identity does not copy the old count over the new one.
    const again = operatorIdentity(ctx, 'legacy', 0);
    expect(await allocateSeq(again.jobDir, again.sender)).toBe(43);
    expect(readFileSync(join(ctx.ws.jobDir('legacy'), `seq-${sender}`), 'utf8')).toBe('41');
  });
});
