import { EXIT_CODES, type CommandEntry } from './command-entry.js';

/** The commands about workflows and their schedules, with their help texts (cli/commands.ts lists them all). */
export const WORKFLOW_COMMANDS: Record<string, CommandEntry> = {
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
