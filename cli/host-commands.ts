import { EXIT_CODES, type CommandEntry } from './command-entry.js';

/** The commands that add, join, list and revoke hosts, with their help texts (cli/commands.ts lists them all). */
export const HOST_COMMANDS: Record<string, CommandEntry> = {
  host: {
    summary: 'add a host (writes its join bundle) or revoke one',
    help: `mam host add <name> [--labels k=v,…] [--operator] [--out <file>] [--broker-url <url>] [--json]
mam host revoke <name> [--json]

add writes a join bundle (0600, default ./<name>.mam-join.json): the CA
certificate, the host's own broker login (host:<name>), its host key and its
control key, derived from the master keys with HKDF, and with --operator the
operator key; never a master key. Copy it to the host and run \`mam join\`.
revoke refuses the host's login at the broker (new connections and every
publish of one already open) and its keys at this workspace's reconciler,
within a second and without restarts. docs/MULTIHOST.md.
${EXIT_CODES}`,
    load: () => import('./commands/host.js'),
  },
  hosts: {
    summary: 'list hosts: labels, online/offline, capacity and last seen from their retained status',
    help: `mam hosts [--json]

The hosts of hosts.json and every host with a retained status: labels,
operator or not, online/offline (the status its reconciler publishes, offline
by its last will), since when, or revoked; capacity (running/max sessions, max
0: no limit) and when it was last heard online.
${EXIT_CODES}`,
    load: () => import('./commands/hosts.js'),
  },
  join: {
    summary: 'make this folder the workspace of a host from its join bundle',
    help: `mam join <bundle> [--json]

Creates .mam/ from the bundle \`mam host add\` wrote: namespace, host name and
broker URL in config.json, the pinned CA, the host's login and its host keys
(host-keys.json). No master key, CA key or other role's login is kept.
${EXIT_CODES}`,
    load: () => import('./commands/join.js'),
  },
};
