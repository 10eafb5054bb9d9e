/**
 * Every host's reconciler logs in as its own host:<name>, the admin's too. A
 * workspace made before per-host logins (credentials.json holding the shared
 * `reconciler` login, no hosts.json) is migrated when its daemons start, and
 * the shared login stops working.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCredentialFile, saveCredentialFile } from '../../core/credentials.js';
import { hostsPath, loadHostsFile } from '../../core/host-identity.js';
import { migrateSharedReconcilerLogin } from '../../core/own-host-login.js';
import { tryConnect } from '../helpers/mesh.js';
import { makeWorkspace, runMam, type TestWorkspace } from '../helpers/workspace.js';

let tw: TestWorkspace | undefined;
afterEach(async () => {
  if (tw) await runMam(tw, ['down']);
  tw?.cleanup();
  tw = undefined;
});

/** A workspace as mam made it before per-host logins: the shared reconciler login, no host list. */
async function oldWorkspace(): Promise<TestWorkspace> {
  const w = await makeWorkspace({ namespace: 'mig' });
  w.patchConfig({ broker: { port: 0 } });
  const ws = w.context().ws;
  const creds = loadCredentialFile(ws.credentials);
  saveCredentialFile(ws.credentials, { ...creds, reconciler: { username: 'reconciler', password: 'old-shared-pw' } });
  rmSync(hostsPath(ws));
  return w;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe("the admin workspace's reconciler login", () => {
  it('is host:<host> in a new workspace, listed in hosts.json as the admin host', async () => {
    tw = await makeWorkspace({ namespace: 'mig' });
    const ctx = tw.context();
    expect(ctx.creds.reconciler.username).toBe('host:testhost');
    const entry = loadHostsFile(hostsPath(ctx.ws)).hosts.testhost;
    expect(entry).toMatchObject({ admin: true, operator: true });
    expect(entry.passwordSha256).toBe(sha256(ctx.creds.reconciler.password));
    expect(statSync(hostsPath(ctx.ws)).mode & 0o777).toBe(0o600);
    // Revoking it would lock this workspace's own reconciler out.
    const r = await runMam(tw, ['host', 'revoke', 'testhost']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/own reconciler login/);
  });

  it('of an old workspace is migrated by `mam up`, and the shared login no longer authenticates', async () => {
    tw = await oldWorkspace();
    const up = await runMam(tw, ['up']);
    expect(up.exitCode, up.stderr).toBe(0);
    const ctx = tw.context();
    expect(ctx.creds.reconciler.username).toBe('host:testhost');
    expect(ctx.creds.reconciler.password).not.toBe('old-shared-pw');
    expect(statSync(ctx.ws.credentials).mode & 0o777).toBe(0o600);
    const entry = loadHostsFile(hostsPath(ctx.ws)).hosts.testhost;
    expect(entry).toMatchObject({ admin: true, passwordSha256: sha256(ctx.creds.reconciler.password) });
    // The password is kept only as its digest in hosts.json.
    expect(readFileSync(hostsPath(ctx.ws), 'utf8')).not.toContain(ctx.creds.reconciler.password);
    const opts = { ca: ctx.endpoint.ca, clientId: 'mam-reconciler-x1' };
    const shared = await tryConnect(ctx.endpoint.url, { ...opts, username: 'reconciler', password: 'old-shared-pw' });
    expect(shared.connected).toBe(false);
    const own = await tryConnect(ctx.endpoint.url, { ...opts, clientId: 'mam-host-x1', ...ctx.creds.reconciler });
    expect(own.connected).toBe(true);
    // Started again, nothing changes: the migration runs once.
    expect(migrateSharedReconcilerLogin(ctx.ws, 'testhost')).toBe(false);
    expect(loadCredentialFile(ctx.ws.credentials)).toEqual(ctx.creds);
  }, 60_000);

  it('refuses to migrate onto a joined host of the same name, saying what to do', async () => {
    tw = await oldWorkspace();
    expect((await runMam(tw, ['host', 'add', 'testhost', '--out', join(tw.root, 'b.json')])).exitCode).toBe(0);
    const r = await runMam(tw, ['broker', '--port', '0']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/already lists a joined host named "testhost"/);
    expect(tw.context().creds.reconciler.username).toBe('reconciler');
  });
});
