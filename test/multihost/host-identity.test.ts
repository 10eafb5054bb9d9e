import { hkdfSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContext } from '../../core/context.js';
import { hostsPath, loadHostsFile, type JoinBundle } from '../../core/host-identity.js';
import { loadKeyFile } from '../../core/keys.js';
import { makeWorkspace, runMam, type TestWorkspace } from '../helpers/workspace.js';

let admin: TestWorkspace;
let other: string;

beforeAll(async () => {
  admin = await makeWorkspace({ namespace: 'mh' });
  other = mkdtempSync(join(tmpdir(), 'mam-joined-'));
});
afterAll(() => {
  admin.cleanup();
  rmSync(other, { recursive: true, force: true });
});

const hkdf = (key: Buffer, info: string) => Buffer.from(hkdfSync('sha256', key, 'mam-v1', 'mam-scope:' + info, 32));

describe('host identities and join bundles', () => {
  it('host add writes a 0600 bundle with the host key derived by HKDF and no master key', async () => {
    const bundlePath = join(admin.root, 'B.json');
    const r = await runMam(admin, ['host', 'add', 'B', '--labels', 'zone=eu,gpu=yes', '--out', bundlePath]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(statSync(bundlePath).mode & 0o777).toBe(0o600);
    const text = readFileSync(bundlePath, 'utf8');
    const kf = loadKeyFile(join(admin.root, '.mam', 'keys.json'));
    const master = Buffer.from(kf.keys[kf.active].secret, 'base64');
    expect(text).not.toContain(kf.keys[kf.active].secret);
    const b = JSON.parse(text) as JoinBundle;
    expect(b.labels).toEqual({ zone: 'eu', gpu: 'yes' });
    expect(b.login.username).toBe('host:B');
    expect(Buffer.from(b.keys[kf.active].host, 'base64').equals(hkdf(master, '@host:B'))).toBe(true);
    expect(Buffer.from(b.keys[kf.active].control, 'base64').equals(hkdf(hkdf(master, '@operator'), '@to:B'))).toBe(
      true,
    );
    expect(b.keys[kf.active].operator).toBeUndefined();
    // hosts.json keeps a digest of the login, never the password.
    const hosts = loadHostsFile(hostsPath(admin.context().ws));
    expect(JSON.stringify(hosts)).not.toContain(b.login.password);
    expect(hosts.hosts.B.labels).toEqual({ zone: 'eu', gpu: 'yes' });
  });

  it('only --operator puts the operator key in a bundle; adding a host twice is refused', async () => {
    const p = join(admin.root, 'C.json');
    expect((await runMam(admin, ['host', 'add', 'C', '--operator', '--out', p])).exitCode).toBe(0);
    const b = JSON.parse(readFileSync(p, 'utf8')) as JoinBundle;
    expect(b.keys[b.active].operator).toBeDefined();
    const again = await runMam(admin, ['host', 'add', 'C', '--out', join(admin.root, 'C2.json')]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('revoke it first');
    const bad = await runMam(admin, ['host', 'add', 'D', '--labels', 'zone']);
    expect(bad.exitCode).toBe(2);
  });

  it('join makes a workspace holding the host keys and login, and no master key, CA key or role login', async () => {
    const env = { ...admin.env, MAM_HOME: other };
    const r = await runMam(admin, ['join', join(admin.root, 'B.json')], { env, cwd: other });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(join(other, '.mam', 'keys.json'))).toBe(false);
    expect(existsSync(join(other, '.mam', 'tls', 'ca.key'))).toBe(false);
    expect(statSync(join(other, '.mam', 'host-keys.json')).mode & 0o777).toBe(0o600);
    const ctx = loadContext(other, env);
    expect(ctx.joined).toBe('B');
    expect(ctx.cfg.host).toBe('B');
    expect(ctx.cfg.namespace).toBe('mh');
    expect(ctx.creds.reconciler.username).toBe('host:B');
    expect(ctx.creds.operator.username).toBe('host:B');
    const a = admin.context();
    const kid = a.keyring.activeKid;
    // The joined host derives its own jobs' keys exactly as the admin does, and nothing master-derived.
    expect(ctx.keyring.keyFor(kid, '@host:B/J1')!.equals(a.keyring.keyFor(kid, '@host:B/J1')!)).toBe(true);
    expect(ctx.keyring.keyFor(kid, 'J1')).toBeUndefined();
    expect(ctx.keyring.keyFor(kid, '@operator')).toBeUndefined();
    expect(ctx.keyring.keyFor(kid, '@reconciler')).toBeUndefined();
    expect(ctx.keyring.keyFor(kid, '@host:C')).toBeUndefined();
    expect(ctx.keyring.keyFor(kid, '@operator/@to:C')).toBeUndefined();
    const twice = await runMam(admin, ['join', join(admin.root, 'B.json')], { env, cwd: other });
    expect(twice.exitCode).toBe(3);
  });

  it('hosts lists labels and revoked hosts; revoke of an unknown host exits 4', async () => {
    expect((await runMam(admin, ['host', 'revoke', 'C'])).exitCode).toBe(0);
    expect((await runMam(admin, ['host', 'revoke', 'nope'])).exitCode).toBe(4);
  });
});
