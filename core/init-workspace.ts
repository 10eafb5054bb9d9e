import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { safeHostname, validateConfig } from './config.js';
import { MamError } from './errors.js';
import { newCredentialFile, saveCredentialFile } from './credentials.js';
import { newKeyFile, saveKeyFile } from './keys.js';
import { issueOwnHostLogin } from './own-host-login.js';
import { packageRoot } from './package-root.js';
import { ensurePrivateDir, writeSecretFile } from './secret-file.js';
import { defaultSans, generateCa, generateServerCert } from './tls-certs.js';
import { workspaceAt, type Workspace } from './workspace.js';

export interface InitOptions {
  root: string;
  namespace?: string;
  host?: string;
  /** extra DNS names or IPs for the server certificate */
  sans?: string[];
  /** --force: every secret is regenerated; config.json (the user's settings) is kept */
  force?: boolean;
  /** the embedded broker's port written to broker.port, in a new config or the kept one */
  port?: number;
}

export interface InitResult {
  ws: Workspace;
  /** what this run wrote */
  created: string[];
  /** what already existed and was kept */
  kept: string[];
  /** settings changed in a kept config.json (e.g. "broker.port 8883 → 40123") */
  changed: string[];
}

/**
 * Turns .mam.example into <root>/.mam: idempotent; --force regenerates every
 * secret but never config.json, which holds what the user chose (port,
 * socket, agents): only a missing one is written from the example.
 */
export async function initWorkspace(opts: InitOptions): Promise<InitResult> {
  const ws = workspaceAt(opts.root);
  const created: string[] = [];
  const kept: string[] = [];
  const changed: string[] = [];
  const fresh = (path: string) => opts.force || !existsSync(path);
  for (const d of [ws.dir, ws.tlsDir, ws.jobsDir, ws.runDir, ws.worktreesDir]) ensurePrivateDir(d);
  // Nothing under .mam/ belongs in version control: secrets, the registry, logs.
  writeFileSync(join(ws.dir, '.gitignore'), '*\n', { mode: 0o600 });

  if (!existsSync(ws.config)) {
    const example = JSON.parse(readFileSync(join(packageRoot(), '.mam.example', 'config.json'), 'utf8'));
    if (opts.namespace) example.namespace = opts.namespace;
    if (opts.port !== undefined) example.broker = { ...example.broker, port: opts.port };
    example.host = opts.host ?? example.host ?? safeHostname();
    // One tmux server per workspace: another workspace's sessions are never mistaken for orphans here.
    example.sessions = {
      ...example.sessions,
      tmuxSocket: `mam-${createHash('sha256').update(opts.root).digest('hex').slice(0, 8)}`,
    };
    validateConfig(example, '--namespace/--host');
    writeSecretFile(ws.config, JSON.stringify(example, null, 2) + '\n');
    created.push('config.json');
  } else {
    const current = readConfigFile(ws.config);
    validateConfig(current, ws.config);
    if (opts.port !== undefined && current.broker?.port !== opts.port) {
      // Only the key asked for changes; every other setting stays as the user left it.
      changed.push(`broker.port ${current.broker?.port ?? 8883} → ${opts.port}`);
      current.broker = { ...current.broker, port: opts.port };
      validateConfig(current, ws.config);
      writeSecretFile(ws.config, JSON.stringify(current, null, 2) + '\n');
    }
    kept.push('config.json');
  }

  if (fresh(ws.caCert) || fresh(ws.caKey) || fresh(ws.serverCert) || fresh(ws.serverKey)) {
    const ca = await generateCa({ commonName: `mam private CA (${safeHostname()})`, days: 3650 });
    const san = defaultSans(opts.sans ?? []);
    const server = await generateServerCert({ ca, hostnames: san.hostnames, ips: san.ips, days: 825 });
    writeSecretFile(ws.caCert, ca.certPem);
    writeSecretFile(ws.caKey, ca.keyPem);
    writeSecretFile(ws.serverCert, server.certPem);
    writeSecretFile(ws.serverKey, server.keyPem);
    created.push('tls/ca.crt', 'tls/ca.key', 'tls/server.crt', 'tls/server.key');
  } else {
    kept.push('tls/');
  }

  if (fresh(ws.keys)) {
    saveKeyFile(ws.keys, newKeyFile());
    created.push('keys.json');
  } else {
    kept.push('keys.json');
  }

  if (fresh(ws.credentials)) {
    const creds = newCredentialFile();
    saveCredentialFile(ws.credentials, creds);
    // This host's reconciler logs in as host:<host>, listed in hosts.json like every joined host.
    issueOwnHostLogin(ws, readConfigFile(ws.config).host ?? safeHostname(), creds);
    created.push('credentials.json', 'hosts.json');
  } else {
    kept.push('credentials.json');
  }
  return { ws, created, kept, changed };
}

function readConfigFile(path: string): Record<string, any> {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new MamError('CONFIG_INVALID', `cannot read ${path}: ${(err as Error).message}`, {
      hint: `fix the JSON syntax of ${path} (the message gives the position); \`mam init\` keeps config.json even with --force, so nothing you set there is lost`,
      cause: err,
    });
  }
}
