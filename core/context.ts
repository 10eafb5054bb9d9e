import { loadConfig, type Config } from './config.js';
import { loadCredentialFile, type CredentialFile } from './credentials.js';
import { resolveEndpoint } from './endpoint.js';
import { loadHostKeyring } from './host-workspace.js';
import { loadKeyFile, masterKeyring, type KeyFile, type Keyring } from './keys.js';
import { openWorkspace, type Workspace } from './workspace.js';

/** Everything a command or daemon needs from the workspace, loaded and validated once. */
export interface Context {
  ws: Workspace;
  cfg: Config;
  /** the master keys; empty (no key ids) in a joined host's workspace */
  keyFile: KeyFile;
  keyring: Keyring;
  /** a joined host's name: its workspace holds host keys (host-keys.json), never a master key */
  joined?: string;
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
  const joined = loadHostKeyring(ws);
  const keyFile = joined ? { active: joined.keyring.activeKid, keys: {} } : loadKeyFile(ws.keys);
  return {
    ws,
    cfg,
    keyFile,
    keyring: joined ? joined.keyring : masterKeyring(keyFile),
    ...(joined ? { joined: joined.host } : {}),
    creds: loadCredentialFile(ws.credentials),
    endpoint: resolveEndpoint(ws, cfg),
  };
}
