import { randomBytes } from 'node:crypto';
import { hmac } from './keys.js';
import { readJsonFile, writeSecretFile } from './secret-file.js';

export type Role = 'reconciler' | 'operator' | 'reader' | 'agent';

export interface Login {
  username: string;
  password: string;
}

/** credentials.json: one login per fixed role, and the secret agent logins are derived from. */
export interface CredentialFile {
  reconciler: Login;
  operator: Login;
  reader: Login;
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

export function agentJobOf(username: string): string | undefined {
  return username.startsWith(AGENT_PREFIX) ? username.slice(AGENT_PREFIX.length) : undefined;
}
