import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MamError } from './errors.js';
import type { Logger } from './logger.js';
import { deriveKey, hmac, OPERATOR_SCOPE, type KeyFile } from './keys.js';
import { readJsonFile, writeSecretFile } from './secret-file.js';
import { assertId } from './topics.js';
import type { Workspace } from './workspace.js';

/**
 * Per-host identities. A joined host never holds a master key: its bundle
 * carries keys derived from the master with scopes of its own, so it can sign
 * and verify only what concerns it (docs/PROTOCOL.md, "Keys"):
 *
 *   host key       HKDF(master, "@host:<host>")            its reconciler's state, output, status
 *   job keys       HKDF(host key, <job>)                   its jobs' agents (derived by the host itself)
 *   control key    HKDF(HKDF(master, "@operator"), "@to:<host>")   operator commands addressed to it
 */
export const hostScope = (host: string) => `@host:${host}`;
/** The scope of a job's agent key on a host that holds a host key: chained below the host key. */
export const hostJobScope = (host: string, job: string) => `${hostScope(host)}/${job}`;
/** The scope of the operator's key for messages addressed to one host: chained below the operator key. */
export const controlScope = (host: string) => `${OPERATOR_SCOPE}/@to:${host}`;

/** The login name of a host's reconciler on the embedded broker. */
export const HOST_LOGIN_PREFIX = 'host:';
export const hostLoginName = (host: string) => HOST_LOGIN_PREFIX + host;

export function hostOfLogin(username: string): string | undefined {
  return username.startsWith(HOST_LOGIN_PREFIX) ? username.slice(HOST_LOGIN_PREFIX.length) : undefined;
}

/** One host of the admin workspace's hosts.json; the password is kept only as its SHA-256. */
export interface HostEntry {
  labels: Record<string, string>;
  passwordSha256: string;
  operator: boolean;
  /** the admin workspace's own reconciler (it holds the master keys): publishes and reads anything */
  admin?: boolean;
  added: string;
  /** when `mam host revoke` ran: its login and keys are refused from then on */
  revoked?: string;
}

export interface HostsFile {
  hosts: Record<string, HostEntry>;
}

export const hostsPath = (ws: Workspace) => join(ws.dir, 'hosts.json');

export function loadHostsFile(path: string): HostsFile {
  if (!existsSync(path)) return { hosts: {} };
  const f = readJsonFile<HostsFile>(path, 'the host list');
  if (!f || typeof f.hosts !== 'object' || f.hosts === null) {
    throw new MamError('CONFIG_INVALID', `${path} has no "hosts" object`, {
      hint: 'restore it from a backup, or delete it and add the hosts again with `mam host add`',
    });
  }
  return f;
}

// hosts.json is looked at again at most this often: `mam host add|revoke` takes effect within it, without a restart.
const FOLLOW_MS = 500;

/**
 * hosts.json as it is now, read again only when its inode, mtime or size changed (looked at
 * at most every 500 ms). A file that cannot be read keeps what was read before in force.
 */
export function followHostsFile(path: string, log: Logger): () => HostsFile {
  let file: HostsFile = { hosts: {} };
  let stamp = '';
  let checkedAt = 0;
  return () => {
    if (Date.now() - checkedAt < FOLLOW_MS) return file;
    checkedAt = Date.now();
    let now = '';
    try {
      const st = statSync(path);
      now = `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch {
      now = '';
    }
    if (now === stamp) return file;
    stamp = now;
    try {
      file = loadHostsFile(path);
    } catch (err) {
      log.warn('hosts.json cannot be read; the hosts read before stay in force', err);
    }
    return file;
  };
}

export function saveHostsFile(path: string, f: HostsFile): void {
  writeSecretFile(path, JSON.stringify(f, null, 2) + '\n');
}

export const passwordDigest = (password: string) => createHash('sha256').update(password).digest('hex');

/** The keys of one host under one master key id, base64. */
export interface HostKeys {
  host: string;
  control: string;
  /** only in a bundle made with --operator */
  operator?: string;
}

/** What `mam host add` writes and `mam join` reads: never a master key. */
export interface JoinBundle {
  mamJoinBundle: 1;
  namespace: string;
  host: string;
  labels: Record<string, string>;
  brokerUrl: string;
  caCert: string;
  login: { username: string; password: string };
  active: string;
  keys: Record<string, HostKeys>;
  /** base64: the secret the host derives its jobs' agent logins from (hostAgentSecret) */
  agentSecret: string;
}

/**
 * The secret a joined host derives its agent sessions' broker passwords from:
 * HMAC of the admin's agent secret, bound to the host. The broker checks an
 * `agent:<job>` login against it when the job belongs to that host.
 */
export function hostAgentSecret(agentSecret: string, host: string): string {
  return hmac(Buffer.from(agentSecret, 'base64'), 'mam-host-agents:' + host).toString('base64');
}

/** The keys of `host` derived from every master key of `kf`. */
export function deriveHostKeys(kf: KeyFile, host: string, operator: boolean): Record<string, HostKeys> {
  const out: Record<string, HostKeys> = {};
  for (const [kid, k] of Object.entries(kf.keys)) {
    const master = Buffer.from(k.secret, 'base64');
    const op = deriveKey(master, OPERATOR_SCOPE);
    out[kid] = {
      host: deriveKey(master, hostScope(host)).toString('base64'),
      control: deriveKey(op, '@to:' + host).toString('base64'),
      ...(operator ? { operator: op.toString('base64') } : {}),
    };
  }
  return out;
}

/** Labels from `k=v,k2=v2`; keys and values are ids (one topic level, no ',' or '='). */
export function parseLabels(spec: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!spec) return labels;
  for (const part of spec.split(',')) {
    const [k, v, extra] = part.split('=');
    if (v === undefined || extra !== undefined) {
      throw new MamError('USAGE', `label "${part}" is not k=v`, { hint: 'write labels as k=v,k2=v2' });
    }
    labels[assertId(k, 'label name')] = assertId(v, 'label value');
  }
  return labels;
}

/** Adds `host` to the host list with a fresh login; the returned password goes into its bundle only. */
export function addHost(
  f: HostsFile,
  host: string,
  labels: Record<string, string>,
  operator: boolean,
): { file: HostsFile; password: string } {
  assertId(host, 'host name');
  const prev = f.hosts[host];
  if (prev && !prev.revoked) {
    throw new MamError('HOST_EXISTS', `host "${host}" was already added`, {
      hint: `revoke it first (\`mam host revoke ${host}\`) to issue a new bundle, or choose another name`,
    });
  }
  const password = randomBytes(24).toString('base64url');
  const entry: HostEntry = {
    labels,
    passwordSha256: passwordDigest(password),
    operator,
    added: new Date().toISOString(),
  };
  return { file: { hosts: { ...f.hosts, [host]: entry } }, password };
}
