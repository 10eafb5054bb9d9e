import { randomBytes } from 'node:crypto';
import { hmac } from './keys.js';
import { readJsonFile, writeSecretFile } from './secret-file.js';

/** The fixed roles the embedded broker knows besides host logins (hosts.json) and per-job agent logins. */
export type Role = 'operator' | 'reader' | 'agent';

export interface Login {
  username: string;
  password: string;
}

/** credentials.json: one login per fixed role, and the secret agent logins are derived from. */
export interface CredentialFile {
  /**
   * This host's reconciler: its own login `host:<host>` (hosts.json; on a joined
   * host, from its bundle). Workspaces made before per-host logins hold the shared
   * `reconciler` login here until core/own-host-login.ts migrates them.
   */
  reconciler: Login;
  operator: Login;
  reader: Login;
  /**
   * The shared agent login, when set by hand (e.g. to match an external
   * broker's password file); otherwise derived from agentSecret. Valid only with
   * config broker.agentLogin = "shared" (sharedAgentLogin).
   */
  agent?: Login;
  /** base64; agent passwords = HMAC(agentSecret, job): no per-job file, bound to one job */
  agentSecret: string;
}

const AGENT_PREFIX = 'agent:';

export function newCredentialFile(): CredentialFile {
  const pw = () => randomBytes(24).toString('base64url');
  return {
    reconciler: { username: 'reconciler', password: pw() },
    operator: { username: 'operator', password: pw() },
    reader: { username: 'reader', password: pw() },
    agentSecret: randomBytes(32).toString('base64'),
  };
}

export function saveCredentialFile(path: string, cf: CredentialFile): void {
  writeSecretFile(path, JSON.stringify(cf, null, 2) + '\n');
}

export function loadCredentialFile(path: string): CredentialFile {
  return readJsonFile<CredentialFile>(path, 'the broker credentials');
}

/** The broker login of a job's agent: valid only for that job's topics (broker/acl.ts). */
export function agentLogin(cf: CredentialFile, job: string): Login {
  return {
    username: AGENT_PREFIX + job,
    password: hmac(Buffer.from(cf.agentSecret, 'base64'), 'mam-agent:' + job).toString('base64url'),
  };
}

/**
 * One login for every agent session, for external brokers that cannot check
 * per-job passwords (config broker.agentLogin = "shared"): per-job confinement
 * then rests on the job keys alone. The embedded broker accepts it only in
 * that mode. Derived, so a per-job workspace holds no such secret to leak.
 */
export function sharedAgentLogin(cf: CredentialFile): Login {
  return (
    cf.agent ?? {
      username: 'agent',
      password: hmac(Buffer.from(cf.agentSecret, 'base64'), 'mam-agent-shared').toString('base64url'),
    }
  );
}

/** The broker login an agent session of `job` gets: per job (default), or the shared agent login. */
export function sessionLogin(cf: CredentialFile, job: string, mode: 'per-job' | 'shared'): Login {
  return mode === 'per-job' ? agentLogin(cf, job) : sharedAgentLogin(cf);
}

export function agentJobOf(username: string): string | undefined {
  return username.startsWith(AGENT_PREFIX) ? username.slice(AGENT_PREFIX.length) : undefined;
}
