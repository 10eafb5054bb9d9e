/**
 * The scene of the compromised-host suites: the admin workspace's broker and
 * reconciler, a host C joined with its bundle and running its own reconciler,
 * C's job JC created from the admin, and host B's bundle in the attacker's hands.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadContext } from '../../core/context.js';
import type { Msg } from '../../core/envelope.js';
import type { JoinBundle } from '../../core/host-identity.js';
import { hostKeyring } from '../../core/host-keyring.js';
import type { Keyring } from '../../core/keys.js';
import { silentLogger } from '../../core/logger.js';
import { createReconciler, type Reconciler } from '../../subscriber/reconciler.js';
import { forger, msgOf as msgIn } from './forge.js';
import { publishWithLogin } from './host-login.js';
import { eventually } from './mesh.js';
import { publishAll, sealCreate, startMesh, type Mesh } from './reconciler.js';
import { readRegistry, runMam } from './workspace.js';

export interface CompromisedMesh {
  m: Mesh;
  admin: Reconciler;
  onC: Reconciler;
  cDir: string;
  cDb: string;
  bundleB: JoinBundle;
  ringB: Keyring;
  /** A forged message: B's key of `scope` over any topic and text, the way a hand-written client would sign. */
  forge(topic: string, msg: Msg<object>, scope: string): Buffer;
  /** Publishes with B's own login, as a compromised host would: true when the broker accepted it. */
  publishAsB(topic: string, payload: Buffer): Promise<boolean>;
  close(): Promise<void>;
}

export const msgOf = (job: string, type: string, sender: string, body: object, seq = Date.now()): Msg<object> =>
  msgIn('rec', job, type, sender, body, seq);

export async function startCompromisedMesh(): Promise<CompromisedMesh> {
  const m = await startMesh();
  for (const h of ['B', 'C'])
    expect((await runMam(m.tw, ['host', 'add', h, '--out', join(m.tw.root, `${h}.json`)])).exitCode).toBe(0);
  const bundleB = JSON.parse(readFileSync(join(m.tw.root, 'B.json'), 'utf8')) as JoinBundle;
  const ringB = hostKeyring('B', bundleB.active, bundleB.keys);
  const cDir = mkdtempSync(join(tmpdir(), 'mam-host-c-'));
  const cDb = join(cDir, '.mam', 'mam.db');
  const envC = { ...m.tw.env, MAM_HOME: cDir };
  expect((await runMam(m.tw, ['join', join(m.tw.root, 'C.json')], { env: envC, cwd: cDir })).exitCode).toBe(0);
  const admin = await createReconciler(m.tw.context(), silentLogger);
  const onC = await createReconciler(loadContext(cDir, envC), silentLogger);
  // A job for C, created on the admin workspace: signed with the control key of C.
  await publishAll(await m.connect('operator'), [sealCreate(m, 'JC', 'C')]);
  await eventually(() => {
    expect(readRegistry(cDb, (r) => r.getJob('JC')?.state)).toBe('starting');
    expect(readRegistry(m.ctx.ws.db, (r) => r.getJob('JC')?.host)).toBe('C');
  });
  return {
    m,
    admin,
    onC,
    cDir,
    cDb,
    bundleB,
    ringB,
    forge: forger(bundleB),
    publishAsB: (topic, payload) => publishWithLogin(m.broker.url, m.ctx.endpoint.ca, bundleB.login, topic, payload),
    async close() {
      await onC.close();
      await admin.close();
      await m.close();
      rmSync(cDir, { recursive: true, force: true });
    },
  };
}

/** How many refusals of `reason` a registry holds. */
export const rejectionsOn = (db: string, reason: string) =>
  readRegistry(db, (r) => r.listRejections({ limit: 1000 }).filter((x) => x.reason === reason).length);
