import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, runMam, startBroker, type TestWorkspace } from '../helpers/workspace.js';

// A second project whose config points at the first project's broker (the same port): its
// commands say so and what to change, instead of "unable to verify the first certificate … mam up".
describe("a workspace pointed at another workspace's broker", () => {
  let a: TestWorkspace;
  let b: TestWorkspace;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  beforeAll(async () => {
    a = await makeWorkspace({ namespace: 'first' });
    broker = await startBroker(a);
    b = await makeWorkspace({ namespace: 'second' });
    b.patchConfig({ broker: { port: broker.port } });
  });
  afterAll(async () => {
    await broker?.close();
    a?.cleanup();
    b?.cleanup();
  });

  it('exits 5 naming the cause and broker.port', async () => {
    const r = await runMam(b, ['emit', 'job.progress', '--job', 'J1', '--gen', '0', '--field', 'message=hi']);
    expect(r.exitCode, String(r.stderr)).toBe(5);
    expect(String(r.stderr)).toMatch(/another workspace's broker/);
    expect(String(r.stderr)).toMatch(/broker\.port/);
    expect(String(r.stderr)).not.toMatch(/mam up/);
  });
});
