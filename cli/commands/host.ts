import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadContext } from '../../core/context.js';
import { MamError } from '../../core/errors.js';
import {
  addHost,
  deriveHostKeys,
  hostAgentSecret,
  hostLoginName,
  hostsPath,
  loadHostsFile,
  parseLabels,
  saveHostsFile,
  type JoinBundle,
} from '../../core/host-identity.js';
import { writeSecretFile } from '../../core/secret-file.js';
import { assertId } from '../../core/topics.js';
import { parseFlags, usage } from '../args.js';
import type { Io } from '../io.js';

/** `mam host add <name>` writes a join bundle; `mam host revoke <name>` ends its login and keys. */
export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('host', argv, {
    labels: { type: 'string' },
    operator: { type: 'boolean' },
    out: { type: 'string' },
    'broker-url': { type: 'string' },
    json: { type: 'boolean' },
  });
  const [action, name] = positionals;
  if ((action !== 'add' && action !== 'revoke') || !name || positionals.length > 2)
    throw usage('host', 'say `mam host add <name> [--labels k=v,…] [--operator]` or `mam host revoke <name>`');
  const host = assertId(name, 'host name');
  const ctx = loadContext(io.cwd, io.env);
  const path = hostsPath(ctx.ws);
  const hosts = loadHostsFile(path);
  if (action === 'revoke') {
    const entry = hosts.hosts[host];
    if (!entry) throw new MamError('UNKNOWN_HOST', `no host "${host}" in ${path}`, { hint: '`mam hosts` lists them' });
    if (entry.admin)
      throw new MamError('USAGE', `"${host}" is this workspace's own reconciler login; revoking it would lock it out`, {
        hint: 'revoke joined hosts only (`mam hosts` lists them); this workspace holds the master keys',
      });
    if (!entry.revoked) {
      entry.revoked = new Date().toISOString();
      saveHostsFile(path, hosts);
    }
    if (values.json) io.out(JSON.stringify({ host, revoked: entry.revoked }) + '\n');
    else io.out(`revoked ${host}: the broker and this workspace's reconciler refuse its login and keys from now on\n`);
    return 0;
  }
  const labels = parseLabels(values.labels);
  const operator = values.operator === true;
  const { file, password } = addHost(hosts, host, labels, operator);
  const bundle: JoinBundle = {
    mamJoinBundle: 1,
    namespace: ctx.cfg.namespace,
    host,
    labels,
    brokerUrl: values['broker-url'] ?? ctx.endpoint.url,
    caCert: readFileSync(ctx.ws.caCert, 'utf8'),
    login: { username: hostLoginName(host), password },
    active: ctx.keyFile.active,
    keys: deriveHostKeys(ctx.keyFile, host, operator),
    agentSecret: hostAgentSecret(ctx.creds.agentSecret, host),
  };
  const out = resolve(io.cwd, values.out ?? `${host}.mam-join.json`);
  // The bundle first: a host listed without its bundle could never log in.
  writeSecretFile(out, JSON.stringify(bundle, null, 2) + '\n');
  saveHostsFile(path, file);
  if (values.json) io.out(JSON.stringify({ host, bundle: out, labels, operator }) + '\n');
  else
    io.out(
      `wrote ${out} (0600): copy it to the host and run \`mam join ${out}\` there, then delete it; it holds ${host}'s login and keys${operator ? ' and the operator key' : ''}, never a master key\n`,
    );
  return 0;
}
