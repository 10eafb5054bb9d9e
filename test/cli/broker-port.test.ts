import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCleanFailure } from '../helpers/cli-output.js';
import { makeWorkspace, runMam, type TestWorkspace } from '../helpers/workspace.js';

let tw: TestWorkspace;
let holder: Server;
let port: number;

beforeAll(async () => {
  tw = await makeWorkspace({ namespace: 'port' });
  // Another program already listening where this workspace's broker wants to.
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  port = (holder.address() as { port: number }).port;
  tw.patchConfig({ broker: { port } });
});
afterAll(async () => {
  await new Promise((r) => holder.close(r));
  tw?.cleanup();
});

describe('a busy broker port', () => {
  it('mam broker exits 3 naming the port, the process holding it and broker.port, not an internal error', async () => {
    const r = await runMam(tw, ['broker']);
    expectCleanFailure(r, 3);
    expect(String(r.stderr)).toMatch(
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use by pid ${process.pid}\\b`),
    );
    expect(String(r.stderr)).toMatch(/broker\.port/);
    expect(String(r.stderr)).toMatch(/mam init --port auto/);
  });

  it("mam up fails with the broker's own explanation", async () => {
    const r = await runMam(tw, ['up']);
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toMatch(/already in use/);
    expect(String(r.stderr)).toMatch(/broker\.port/);
  });
});
