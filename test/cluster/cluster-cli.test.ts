import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { freePort, REDIS_SERVER } from '../helpers/redis.js';
import { makeWorkspace, runMam, type TestWorkspace } from '../helpers/workspace.js';

// In CI a missing redis-server is a broken image, never a reason to pass: the suite runs and fails.
const skip = !REDIS_SERVER && process.env.CI !== 'true';
const title = skip
  ? 'mam broker --cluster (skipped: redis-server not installed; CI=true makes this fail)'
  : 'mam broker --cluster';

let tw: TestWorkspace | undefined;
let c: Cluster | undefined;
afterEach(async () => {
  tw?.cleanup();
  tw = undefined;
  await c?.close();
  c = undefined;
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(skip)(title, () => {
  it('refuses a cluster URL that is not redis://host:port with a usage error', async () => {
    tw = await makeWorkspace();
    const r = await runMam(tw, ['broker', '--port', '0', '--cluster', 'http://10.0.0.5:6379']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/is not redis:\/\/host:port/);
  });

  it('exits 5 naming the Redis it cannot reach, without its password', async () => {
    tw = await makeWorkspace();
    const port = await freePort();
    const r = await runMam(tw, ['broker', '--port', '0', '--cluster', `redis://:s3cret-pw@127.0.0.1:${port}`]);
    expect(r.exitCode, r.stderr).toBe(5);
    expect(r.stderr).toContain(`cannot reach the cluster's Redis at 127.0.0.1:${port}`);
    expect(r.stderr + r.stdout).not.toContain('s3cret-pw');
  }, 30_000);

  it('keeps a node running when its Redis goes away', async () => {
    c = await startCluster(1);
    await c.redis.stop();
    await sleep(1500);
    expect(alive(c.nodes[0]!.pid), c.nodes[0]!.stderr()).toBe(true);
    expect(c.nodes[0]!.stderr()).toContain('cluster Redis unreachable');
  }, 30_000);
});
