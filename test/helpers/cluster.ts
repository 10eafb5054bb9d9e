/**
 * A broker cluster for tests: real `mam broker --cluster` processes of one
 * workspace on a private redis-server, each on its own free port.
 */
import type { MeshClient } from '../../broker/client.js';
import { connectAs, type Who } from './mesh.js';
import { startRedis, type RunningRedis } from './redis.js';
import type { Mesh } from './reconciler.js';
import { makeWorkspace, runMam, type TestWorkspace } from './workspace.js';
import { waitFor } from './wait.js';
import { basename } from 'node:path';

export interface ClusterNode {
  port: number;
  url: string;
  pid: number;
  stderr(): string;
  /** SIGKILL: the node dies without closing a connection or telling Redis */
  kill(): Promise<void>;
}

export interface Cluster {
  redis: RunningRedis;
  nodes: ClusterNode[];
  /** the workspace as the reconciler helpers take it; broker.urls lists every node */
  m: Mesh;
  connect(node: number, who?: Who): Promise<MeshClient>;
  close(): Promise<void>;
}

async function startNode(tw: TestWorkspace, redis: string): Promise<ClusterNode> {
  const proc = runMam(tw, ['broker', '--cluster', redis, '--port', '0', '--json'], { timeout: 0, buffer: false });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-8000)));
  const done = proc.then(() => undefined);
  await waitFor(() => out.includes('\n') || proc.exitCode !== null, 20_000, 'a cluster node to listen').catch(
    (e: Error) => {
      proc.kill('SIGKILL');
      throw new Error(`${e.message}; stderr:\n${err}`);
    },
  );
  const port = (JSON.parse(out.split('\n')[0] as string) as { port: number }).port;
  return {
    port,
    url: `mqtts://127.0.0.1:${port}`,
    pid: proc.pid!,
    stderr: () => err,
    async kill() {
      proc.kill('SIGKILL');
      await done;
    },
  };
}

/** `n` nodes on one Redis; the workspace's clients list them all, node 0 first. */
export async function startCluster(n: number, config: Record<string, unknown> = {}): Promise<Cluster> {
  const redis = await startRedis();
  const tw = await makeWorkspace({ namespace: 'rec' });
  tw.patchConfig({ sessions: { tmuxSocket: `test-${basename(tw.root).replace(/[^A-Za-z0-9_-]/g, '')}` }, ...config });
  const nodes: ClusterNode[] = [];
  const clients: MeshClient[] = [];
  const c: Cluster = {
    redis,
    nodes,
    m: undefined as unknown as Mesh,
    async connect(node, who = 'operator') {
      const client = await connectAs(c.m.ctx, nodes[node]!.url, who);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((x) => x.close().catch(() => {})));
      await Promise.all(nodes.map((x) => x.kill()));
      await redis.stop();
      tw.cleanup();
    },
  };
  try {
    for (let i = 0; i < n; i++) nodes.push(await startNode(tw, redis.url));
  } catch (err) {
    await c.close();
    throw err;
  }
  tw.patchConfig({ broker: { ...(config.broker as object), urls: nodes.map((x) => x.url) } });
  const ctx = tw.context();
  c.m = {
    tw,
    ctx,
    ns: 'rec',
    host: 'testhost',
    broker: undefined as unknown as Mesh['broker'],
    restartBroker: () => Promise.reject(new Error('a cluster restarts node by node')),
    connect: (who) => c.connect(0, who),
    close: () => c.close(),
  };
  return c;
}
