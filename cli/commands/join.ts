import { existsSync, readFileSync } from 'node:fs';
import { loadCredentialFile } from '../../core/credentials.js';
import { MamError } from '../../core/errors.js';
import type { JoinBundle } from '../../core/host-identity.js';
import { initWorkspace } from '../../core/init-workspace.js';
import { saveHostKeyFile } from '../../core/host-workspace.js';
import { writeSecretFile } from '../../core/secret-file.js';
import { findRoot, workspaceAt } from '../../core/workspace.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';

function readBundle(path: string): JoinBundle {
  let b: JoinBundle;
  try {
    b = JSON.parse(readFileSync(path, 'utf8')) as JoinBundle;
  } catch (err) {
    throw new MamError('CONFIG_INVALID', `cannot read the join bundle ${path}: ${(err as Error).message}`, {
      hint: 'pass the file `mam host add <name>` wrote on the admin workspace',
      cause: err,
    });
  }
  if (b?.mamJoinBundle !== 1 || !b.host || !b.login || !b.keys || !b.keys[b.active] || !b.caCert)
    throw new MamError('CONFIG_INVALID', `${path} is not a mam join bundle`, {
      hint: 'pass the file `mam host add <name>` wrote on the admin workspace',
    });
  return b;
}

/**
 * `mam join <bundle>`: a workspace for this host from the admin's bundle: the
 * config (namespace, host name, broker URL), the pinned CA, its login and its
 * host keys. No master key and no other role's login is ever written here.
 */
export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('join', argv, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw usage('join', 'say which bundle: `mam join <bundle file>`');
  const b = readBundle(positionals[0]);
  const root = findRoot(io.cwd, io.env);
  if (existsSync(workspaceAt(root).config))
    throw new MamError('WORKSPACE_EXISTS', `${root} already holds a mam workspace`, {
      hint: 'join from an empty project folder, or set MAM_HOME to a new one',
    });
  const { ws } = await initWorkspace({ root, namespace: b.namespace, host: b.host });
  const cfg = JSON.parse(readFileSync(ws.config, 'utf8'));
  cfg.broker = { ...cfg.broker, url: b.brokerUrl };
  writeSecretFile(ws.config, JSON.stringify(cfg, null, 2) + '\n');
  writeSecretFile(ws.caCert, b.caCert);
  // init made a master key, a CA key and role logins of their own: a joined host keeps none of them.
  saveHostKeyFile(ws, b, loadCredentialFile(ws.credentials));
  if (values.json) io.out(JSON.stringify({ host: b.host, root, broker: b.brokerUrl }) + '\n');
  else io.out(`joined as host ${b.host} of namespace ${b.namespace} (broker ${b.brokerUrl}); workspace ${root}\n`);
  return 0;
}
