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
  dashboard: {
    summary: 'run the web dashboard; --url prints a one-time login link',
    help: `mam dashboard [--bind <addr>] [--port <n>] [--json]
mam dashboard --url [--role reader|operator] [--name <who>] [--json]

Serves the live dashboard over HTTPS with the workspace's server certificate,
on dashboard.bind (loopback by default) and dashboard.port (0: a free port).
\`mam up\` starts it in the background unless dashboard.enabled is false.
--url prints a login link to the running dashboard: it works once, within
dashboard.loginTtlSeconds; a reader login sees, an operator login acts (stop,
resume, retry, approve, verdict, breaker reset), each action signed like the
CLI's and recorded with who did it. docs/DASHBOARD.md.
${EXIT_CODES}`,
    longRunning: (argv) => !argv.includes('--url'),
    load: () => import('./commands/dashboard.js'),
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
