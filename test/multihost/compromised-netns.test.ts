import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContext } from '../../core/context.js';
import type { JoinBundle } from '../../core/host-identity.js';
import { topics } from '../../core/topics.js';
import { forger, forgeriesAgainst, msgOf } from '../helpers/forge.js';
import { netnsUnavailable } from '../../bench/netns/net-hosts.js';
import { envOf } from '../../bench/netns/mam-in-ns.js';
import { startNetMesh, type NetMesh } from '../../bench/netns/mesh.js';
import { waitFor } from '../helpers/wait.js';

// In CI a machine without namespaces is a broken image, never a reason to pass: the suite runs and fails.
const why = netnsUnavailable();
const skip = why !== undefined && process.env.CI !== 'true';
const title = `a compromised host, in network namespaces${skip ? ` (skipped: ${why}; CI=true makes this fail)` : ''}`;

const NS = 'mc';
const [A, B, C] = [0, 1, 2];
let mesh: NetMesh;
let bundleB: JoinBundle;

/**
 * Runs the hand-written client (test/helpers/publish-each.mjs) inside host i's namespace with a
 * login: one connection per message; true where the broker acknowledged it.
 */
async function publishFrom(
  i: number,
  login: { username: string; password: string },
  messages: Array<{ topic: string; payload: Buffer }>,
): Promise<boolean[]> {
  const file = join(mesh.newRoot(), 'publish.json');
  const spec = {
    url: 'mqtts://10.77.0.1:8883',
    ca: bundleB.caCert,
    ...login,
    clientId: login.username.startsWith('host:') ? 'mam-host-forge' : `mam-${login.username}-forge`,
    messages: messages.map((m) => ({ topic: m.topic, payload: m.payload.toString('base64') })),
  };
  writeFileSync(file, JSON.stringify(spec), { mode: 0o600 });
  const script = join(import.meta.dirname, '../helpers/publish-each.mjs');
  const r = await execa('ip', ['netns', 'exec', mesh.net.ns(i), process.execPath, script, file], { reject: false });
  if (r.exitCode !== 0) throw new Error(`publish-each in namespace ${i}: ${r.stderr}`);
  return JSON.parse(String(r.stdout)) as boolean[];
}

const rejections = async (i: number) =>
  (
    JSON.parse((await mesh.mam(i, ['rejections', '--json', '--limit', '1000'])).stdout) as {
      rejections: Array<{ reason: string }>;
    }
  ).rejections.filter((x) => x.reason === 'bad_signature').length;
const jobOn = async (i: number, id: string) =>
  (
    JSON.parse((await mesh.mam(i, ['jobs', '--json'])).stdout || '[]') as Array<{
      id: string;
      state: string;
      gen: number;
    }>
  ).find((j) => j.id === id);
const sessionsOnC = () => mesh.sessions(C);

describe.skipIf(skip)(title, () => {
  let sessionsBefore: string[];
  beforeAll(async () => {
    mesh = await startNetMesh({ namespace: NS, hosts: [{ name: 'B' }, { name: 'C' }] });
    bundleB = JSON.parse(readFileSync(join(mesh.root(A), 'B.json'), 'utf8'));
    const r = await mesh.createJob('C', 'JC', 'mam emit job.started; exec sleep 600');
    expect(r.exitCode, r.stderr).toBe(0);
    await waitFor(async () => (await jobOn(A, 'JC'))?.state === 'running', 30_000, 'JC running on C as seen on A');
    sessionsBefore = await sessionsOnC();
    expect(sessionsBefore).toHaveLength(1);
  }, 120_000);

  afterAll(() => mesh?.cleanup());

  it("B's own login, from B's namespace: its own status is taken, each forgery against C is refused by the broker", async () => {
    const status = topics.status(NS, 'B');
    const own = {
      topic: status,
      payload: forger(bundleB)(status, msgOf(NS, 'B', 'host.status', 'reconciler@B', { status: 'online' }), '@host:B'),
    };
    const forgeries = forgeriesAgainst(NS, bundleB, 'JC', 'C');
    expect(await publishFrom(B, bundleB.login, [own, ...forgeries])).toEqual([true, false, false, false, false]);
  }, 60_000);

  it('through a broker that lets them pass, every reconciler refuses and records them; nothing changes on C', async () => {
    const beforeC = await rejections(C);
    const beforeA = await rejections(A);
    // The admin's own reconciler login publishes anything, as an external broker without per-host ACLs would let B do.
    const loose = loadContext(mesh.root(A), envOf(mesh.root(A))).creds.reconciler;
    const forgeries = forgeriesAgainst(NS, bundleB, 'JC', 'C');
    expect(await publishFrom(A, loose, forgeries)).toEqual([true, true, true, true]);
    await waitFor(async () => (await rejections(C)) - beforeC === 4, 20_000, 'C recording the four forgeries');
    await waitFor(async () => (await rejections(A)) - beforeA >= 4, 20_000, 'A recording the forgeries');
    // 0 sessions touched on C: the same one alive, its job running in its generation, no forged job created.
    expect(await jobOn(C, 'JC')).toMatchObject({ state: 'running', gen: 1 });
    expect(await jobOn(C, 'JX')).toBeUndefined();
    expect(await jobOn(A, 'JC')).toMatchObject({ state: 'running', gen: 1 });
    expect(await sessionsOnC()).toEqual(sessionsBefore);
  }, 60_000);
});
