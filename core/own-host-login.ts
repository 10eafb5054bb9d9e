import { randomBytes } from 'node:crypto';
import lockfile from 'proper-lockfile';
import { loadCredentialFile, saveCredentialFile, type CredentialFile } from './credentials.js';
import { MamError } from './errors.js';
import {
  hostLoginName,
  hostsPath,
  loadHostsFile,
  passwordDigest,
  saveHostsFile,
  type HostEntry,
} from './host-identity.js';
import type { Workspace } from './workspace.js';

/** The username every host's reconciler shared before per-host logins; the embedded broker refuses it. */
export const SHARED_RECONCILER_LOGIN = 'reconciler';

/**
 * Gives the admin workspace's own reconciler a login of its own, `host:<host>`,
 * like every joined host's: a fresh password in credentials.json, its SHA-256
 * in hosts.json under an entry marked admin (publish and read anything, as the
 * holder of the master keys). hosts.json first: credentials naming a login the
 * broker does not know yet would be refused, the reverse is harmless.
 */
export function issueOwnHostLogin(ws: Workspace, host: string, creds: CredentialFile): CredentialFile {
  const path = hostsPath(ws);
  const file = loadHostsFile(path);
  const prev = file.hosts[host];
  if (prev && !prev.admin && !prev.revoked) {
    throw new MamError(
      'HOST_EXISTS',
      `hosts.json already lists a joined host named "${host}", this workspace's own name`,
      {
        hint: `revoke it (\`mam host revoke ${host}\`) or set another "host" in ${ws.config}, then run the command again`,
      },
    );
  }
  const password = randomBytes(24).toString('base64url');
  const entry: HostEntry = {
    labels: prev?.admin ? prev.labels : {},
    passwordSha256: passwordDigest(password),
    operator: true,
    admin: true,
    added: new Date().toISOString(),
  };
  saveHostsFile(path, { hosts: { ...file.hosts, [host]: entry } });
  const next = { ...creds, reconciler: { username: hostLoginName(host), password } };
  saveCredentialFile(ws.credentials, next);
  return next;
}

// lockSync cannot retry by itself: a broker and a reconciler started together wait for each other this way.
function lockCredentials(path: string): () => void {
  for (let attempt = 0; ; attempt++) {
    try {
      return lockfile.lockSync(path, { realpath: false, stale: 10_000 });
    } catch (err) {
      if (attempt >= 100 || (err as { code?: string }).code !== 'ELOCKED') {
        throw new MamError('LOCK', `cannot lock ${path}: ${(err as Error).message}`, {
          hint: 'another mam command is migrating the workspace; if none runs, remove credentials.json.lock',
          cause: err,
        });
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}

/**
 * Migrates a workspace made before per-host logins: its reconciler still logs
 * in as the shared `reconciler` login, which the embedded broker refuses. Runs
 * where that broker or this host's reconciler starts (`mam broker`, `mam
 * reconcile`, `mam up`), on a workspace holding the master keys; idempotent, and
 * under a lock so a broker and a reconciler starting together issue one login.
 * True when it changed credentials.json.
 */
export function migrateSharedReconcilerLogin(ws: Workspace, host: string): boolean {
  if (loadCredentialFile(ws.credentials).reconciler.username !== SHARED_RECONCILER_LOGIN) return false;
  const release = lockCredentials(ws.credentials);
  try {
    const creds = loadCredentialFile(ws.credentials);
    if (creds.reconciler.username !== SHARED_RECONCILER_LOGIN) return false;
    issueOwnHostLogin(ws, host, creds);
    return true;
  } finally {
    release();
  }
}
