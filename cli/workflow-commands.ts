import { EXIT_CODES, type CommandEntry } from './command-entry.js';

/** The commands about workflows and their schedules, with their help texts (cli/commands.ts lists them all). */
export const WORKFLOW_COMMANDS: Record<string, CommandEntry> = {
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
    summary: 'list hosts: labels, online/offline from their retained status',
    help: `mam hosts [--json]

The hosts of hosts.json and every host with a retained status: labels,
operator or not, online/offline (the status its reconciler publishes, offline
by its last will), since when, or revoked.
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
  schedule: {
    summary: 'run a workflow on a cron schedule: add, list, remove',
    help: `mam schedule add <workflow file> --cron "<expr>" [--param name=value]... [--id <name>] [--host <host>] [--wait <dur>] [--json]
mam schedule list [--json]
mam schedule remove <id> [--host <host>] [--wait <dur>]

add keeps the workflow (its text as it is now, and the params) in the registry
of the host (default: this host), whose reconciler starts a run of it at each
firing time of the cron expression: five fields (minute hour day-of-month month
day-of-week, e.g. "0 3 * * *"), or six with seconds first, in that host's time
zone. A schedule of the same id is replaced. Firing times that pass while the
reconciler is down fire once when it is back (the firing says how many it
stands for), never once each. Each firing is recorded with the run it started,
or why none started; list shows them. add and remove are signed operator
commands (schedule.add, schedule.remove) on hosts/<host>/control; for this host
they wait (--wait, default emit.ackTimeoutMs) until the reconciler committed
them. Exit 0 done (or sent, for another host); 2 a bad cron expression or
param; 4 no such file or schedule; 65 refused; 75 not committed in time.
${EXIT_CODES}`,
    load: () => import('./commands/schedule.js'),
  },
};
