import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { safeHostname, validateConfig } from './config.js';
import { newCredentialFile, saveCredentialFile } from './credentials.js';
import { newKeyFile, saveKeyFile } from './keys.js';
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
  force?: boolean;
}

export interface InitResult {
  ws: Workspace;
  /** what this run wrote */
  created: string[];
  /** what already existed and was kept */
  kept: string[];
}

/** Turns .mam.example into <root>/.mam: idempotent; --force regenerates every secret. */
export async function initWorkspace(opts: InitOptions): Promise<InitResult> {
  const ws = workspaceAt(opts.root);
  const created: string[] = [];
  const kept: string[] = [];
  const fresh = (path: string) => opts.force || !existsSync(path);
  for (const d of [ws.dir, ws.tlsDir, ws.jobsDir, ws.runDir, ws.worktreesDir]) ensurePrivateDir(d);
  // Nothing under .mam/ belongs in version control: secrets, the registry, logs.
  writeFileSync(join(ws.dir, '.gitignore'), '*\n', { mode: 0o600 });

  if (fresh(ws.config)) {
    const example = JSON.parse(readFileSync(join(packageRoot(), '.mam.example', 'config.json'), 'utf8'));
    if (opts.namespace) example.namespace = opts.namespace;
    example.host = opts.host ?? example.host ?? safeHostname();
    // One tmux server per workspace: another workspace's sessions are never mistaken for orphans here.
    example.sessions = { ...example.sessions, tmuxSocket: `mam-${createHash('sha256').update(opts.root).digest('hex').slice(0, 8)}` };
    validateConfig(example, '--namespace/--host');
    writeSecretFile(ws.config, JSON.stringify(example, null, 2) + '\n');
    created.push('config.json');
  } else {
    validateConfig(JSON.parse(readFileSync(ws.config, 'utf8')), ws.config);
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
    saveCredentialFile(ws.credentials, newCredentialFile());
    created.push('credentials.json');
  } else {
    kept.push('credentials.json');
  }
  return { ws, created, kept };
}
