import { loadConfig, type Config } from './config.js';
import { loadCredentialFile, type CredentialFile } from './credentials.js';
import { resolveEndpoint } from './endpoint.js';
import { loadKeyFile, masterKeyring, type KeyFile, type Keyring } from './keys.js';
import { openWorkspace, type Workspace } from './workspace.js';

/** Everything a command or daemon needs from the workspace, loaded and validated once. */
export interface Context {
  ws: Workspace;
  cfg: Config;
  keyFile: KeyFile;
  keyring: Keyring;
  creds: CredentialFile;
  endpoint: { url: string; ca: Buffer };
}

export function loadContext(
  cwd: string,
  env: NodeJS.ProcessEnv,
  flags: { brokerUrl?: string; host?: string } = {},
): Context {
  const ws = openWorkspace(cwd, env);
  const cfg = loadConfig(ws, env, flags);
  const keyFile = loadKeyFile(ws.keys);
  return {
    ws,
    cfg,
    keyFile,
    keyring: masterKeyring(keyFile),
    creds: loadCredentialFile(ws.credentials),
    endpoint: resolveEndpoint(ws, cfg),
  };
}
