import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workspaceAt } from '../../core/workspace.js';
import { MAM_BIN } from '../helpers/workspace.js';
import { execa } from 'execa';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mam-init-'));
  made.push(d);
  return d;
}

/** Runs the CLI from `cwd` with only the MAM_* variables given. */
function mam(cwd: string, args: string[], mamEnv: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('MAM_')) delete env[k];
  return execa(process.execPath, [MAM_BIN, ...args], {
    cwd,
    env: { ...env, ...mamEnv },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
}

const SECRETS = [
  'keys.json',
  'credentials.json',
  'config.json',
  'tls/ca.crt',
  'tls/ca.key',
  'tls/server.crt',
  'tls/server.key',
];
const snapshot = (root: string) => Object.fromEntries(SECRETS.map((f) => [f, readFileSync(join(root, '.mam', f))]));
const modeOf = (p: string) => statSync(p).mode & 0o777;

describe('mam init', () => {
  const root = tempDir();
  const home = { MAM_HOME: root };

  it('creates the workspace, then keeps every secret byte-identical on a second run', async () => {
    const first = await mam(root, ['init', '--namespace', 'initns', '--json'], home);
    expect(first.exitCode, String(first.stderr)).toBe(0);
    expect(JSON.parse(String(first.stdout))).toMatchObject({
      root,
      created: expect.arrayContaining(['keys.json', 'credentials.json', 'tls/ca.crt']),
    });
    const before = snapshot(root);

    const second = await mam(root, ['init', '--json'], home);
    expect(second.exitCode, String(second.stderr)).toBe(0);
    const out = JSON.parse(String(second.stdout));
    expect(out.created).toEqual([]);
    expect(out.kept).toEqual(expect.arrayContaining(['config.json', 'tls/', 'keys.json', 'credentials.json']));
    const after = snapshot(root);
    for (const f of SECRETS) expect(after[f]!.equals(before[f]!), f).toBe(true);

    // Neither run may print a secret.
    const creds = JSON.parse(after['credentials.json']!.toString());
    const keys = JSON.parse(after['keys.json']!.toString());
    const secrets = [
      creds.operator.password,
      creds.reconciler.password,
      creds.agentSecret,
      ...Object.values<{ secret: string }>(keys.keys).map((k) => k.secret),
    ];
    for (const s of secrets) expect(first.stdout + first.stderr + second.stdout + second.stderr).not.toContain(s);
  });

  it('creates secrets 0600 in 0700 folders', () => {
    const ws = workspaceAt(root);
    for (const f of [ws.keys, ws.credentials, ws.config, ws.caKey, ws.serverKey])
      expect(modeOf(f).toString(8), f).toBe('600');
    for (const d of [ws.dir, ws.tlsDir, ws.jobsDir, ws.runDir]) expect(modeOf(d).toString(8), d).toBe('700');
  });

  it('regenerates keys, logins and CA with --force and says so', async () => {
    const before = snapshot(root);
    const r = await mam(root, ['init', '--force'], home);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toMatch(/--force: regenerated .*keys\.json.*credentials\.json/);
    expect(r.stdout).toContain('must be restarted');
    const after = snapshot(root);
    for (const f of ['keys.json', 'credentials.json', 'tls/ca.crt', 'tls/ca.key', 'tls/server.key'])
      expect(after[f]!.equals(before[f]!), f).toBe(false);
    expect(modeOf(join(root, '.mam', 'keys.json')).toString(8)).toBe('600');
  });

  it('refuses an invalid namespace with a usage hint and writes nothing', async () => {
    const fresh = tempDir();
    const r = await mam(fresh, ['init', '--namespace', 'Not Valid'], { MAM_HOME: fresh });
    expect(r.exitCode).toBe(2); // a bad flag value is a usage error
    expect(r.stderr).toMatch(/--namespace/);
    expect(r.stderr).toMatch(/hint: /);
    expect(() => statSync(join(fresh, '.mam', 'keys.json'))).toThrow();
  });
});

describe('workspace discovery', () => {
  const activeKid = async (cwd: string, mamEnv?: Record<string, string>) => {
    const r = await mam(cwd, ['keys', 'list', '--json'], mamEnv);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    return JSON.parse(String(r.stdout)).active as string;
  };
  const kidOf = (root: string) => JSON.parse(readFileSync(join(root, '.mam', 'keys.json'), 'utf8')).active as string;

  it('finds .mam above a nested subfolder, and MAM_HOME overrides it', async () => {
    const a = tempDir();
    const b = tempDir();
    expect((await mam(a, ['init'])).exitCode).toBe(0);
    expect((await mam(b, ['init'])).exitCode).toBe(0);
    const nested = join(a, 'src', 'deep', 'er');
    mkdirSync(nested, { recursive: true });
    expect(await activeKid(nested)).toBe(kidOf(a));
    expect(await activeKid(nested, { MAM_HOME: b })).toBe(kidOf(b));
    expect(kidOf(a)).not.toBe(kidOf(b));
  });

  it('initialises at the git root when run from a subfolder of a repository', async () => {
    const repo = tempDir();
    mkdirSync(join(repo, '.git'));
    const sub = join(repo, 'pkg', 'lib');
    mkdirSync(sub, { recursive: true });
    const r = await mam(sub, ['init', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(JSON.parse(String(r.stdout)).root).toBe(repo);
    expect(statSync(join(repo, '.mam', 'keys.json')).isFile()).toBe(true);
    expect(() => statSync(join(sub, '.mam'))).toThrow();
  });

  it('says to run `mam init` where there is no workspace', async () => {
    const empty = tempDir();
    const r = await mam(empty, ['keys', 'list'], { MAM_HOME: empty });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(/hint: .*mam init/);
  });
});

describe('mam init: ports and the user config', () => {
  const cfgOf = (root: string) => JSON.parse(readFileSync(join(root, '.mam', 'config.json'), 'utf8'));

  it('--port <n> writes broker.port; --port auto writes a port free now', async () => {
    const a = tempDir();
    const r = await mam(a, ['init', '--port', '40999', '--json'], { MAM_HOME: a });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(cfgOf(a).broker.port).toBe(40999);
    const auto = await mam(a, ['init', '--port', 'auto', '--json'], { MAM_HOME: a });
    expect(auto.exitCode, String(auto.stderr)).toBe(0);
    const port = JSON.parse(String(auto.stdout)).port as number;
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(8883);
    expect(cfgOf(a).broker.port).toBe(port);
    expect(JSON.parse(String(auto.stdout)).changed).toEqual([`broker.port 40999 → ${port}`]);
    const bad = await mam(a, ['init', '--port', 'lots'], { MAM_HOME: a });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--port .*auto/);
  });

  it('--force regenerates the secrets but keeps an edited config.json, and says so', async () => {
    const a = tempDir();
    expect((await mam(a, ['init'], { MAM_HOME: a })).exitCode).toBe(0);
    const edited = {
      ...cfgOf(a),
      broker: { ...cfgOf(a).broker, port: 41234 },
      agents: { claude: { bin: '/opt/claude' } },
    };
    writeFileSync(join(a, '.mam', 'config.json'), JSON.stringify(edited, null, 2));
    const keysBefore = readFileSync(join(a, '.mam', 'keys.json'), 'utf8');
    const r = await mam(a, ['init', '--force'], { MAM_HOME: a });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(cfgOf(a)).toEqual(edited);
    expect(readFileSync(join(a, '.mam', 'keys.json'), 'utf8')).not.toBe(keysBefore);
    expect(r.stdout).toMatch(/kept .*config\.json.*never resets config\.json/);
  });

  it('a config with a JSON syntax error gets a hint that does not point at `init --force`', async () => {
    const a = tempDir();
    expect((await mam(a, ['init'], { MAM_HOME: a })).exitCode).toBe(0);
    writeFileSync(join(a, '.mam', 'config.json'), '{ "namespace": "x", }');
    for (const args of [['emit', 'job.progress', '--job', 'X'], ['init']]) {
      const r = await mam(a, args, { MAM_HOME: a });
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(/hint: .*JSON syntax/);
      expect(r.stderr).not.toMatch(/init --force/);
    }
  });
});
