import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CredentialFile } from './credentials.js';
import { saveCredentialFile } from './credentials.js';
import { hostsPath, type HostKeys, type JoinBundle } from './host-identity.js';
import { hostKeyring } from './host-keyring.js';
import type { Keyring } from './keys.js';
import { readJsonFile, writeSecretFile } from './secret-file.js';
import type { Workspace } from './workspace.js';

/** host-keys.json of a joined workspace: its host keys by key id, in place of keys.json. */
export interface HostKeyFile {
  host: string;
  active: string;
  keys: Record<string, HostKeys>;
}

export const hostKeyPath = (ws: Workspace) => join(ws.dir, 'host-keys.json');

/** Makes a fresh workspace a joined host's: its keys and login from the bundle, no master key, no CA key. */
export function saveHostKeyFile(ws: Workspace, b: JoinBundle, initCreds: CredentialFile): void {
  const f: HostKeyFile = { host: b.host, active: b.active, keys: b.keys };
  writeSecretFile(hostKeyPath(ws), JSON.stringify(f, null, 2) + '\n');
  // Every role of this workspace logs in as the host: the broker confines that login to the host's own topics.
  saveCredentialFile(ws.credentials, {
    ...initCreds,
    reconciler: b.login,
    operator: b.login,
    reader: b.login,
    agentSecret: b.agentSecret,
  });
  // Nor a host list: init listed this workspace's own login there, which only an admin's broker reads.
  for (const p of [ws.keys, ws.caKey, ws.serverKey, ws.serverCert, hostsPath(ws)]) rmSync(p, { force: true });
}

/** The keyring of a joined workspace, or undefined for one holding master keys. */
export function loadHostKeyring(ws: Workspace): { host: string; keyring: Keyring } | undefined {
  const path = hostKeyPath(ws);
  if (!existsSync(path)) return undefined;
  const f = readJsonFile<HostKeyFile>(path, 'the host keys');
  return { host: f.host, keyring: hostKeyring(f.host, f.active, f.keys) };
}
