import { EXIT_CODES, type CommandEntry } from './command-entry.js';

/** The commands about workflows and their schedules, with their help texts (cli/commands.ts lists them all). */
export const WORKFLOW_COMMANDS: Record<string, CommandEntry> = {
  run: {
    summary: 'start, check, show, stop or resume a workflow run',
    help: `mam run <workflow file> [--param name=value]... [--id <run>] [--workdir <dir>] [--wait <dur>] [--json]
mam run validate <workflow file> [--param name=value]... [--json]
mam run show <run> [--json]
mam run stop|resume <run> [--wait <dur>]

A run is a workflow file (YAML or JSON, docs/WORKFLOWS.md) with its params, owned by this
host's reconciler: it launches each step as a job once the steps it needs are done, under the
job id <run>-<step>[-<item>]-<attempt>, a decision committed with the job so that no step ever
launches twice. Steps run in --workdir (default: here) unless they name their own.
validate makes every check a run makes before it starts: syntax,
schemas/workflow.schema.json (unknown fields included), step ids, needs and needs_any naming
existing steps, foreach over a list param, steps that wait for each other, and the params
(required ones given, no unknown ones, numbers and booleans well formed). Every problem is
listed at once, with its line where the file gives one; nothing is started. show draws the steps under the steps they need, with the state, host,
attempts and job of each. stop launches no more steps and cancels the run's unfinished jobs (waiting ones never
launch, live sessions are ended); resume goes on with a stopped or failed run, giving its
cancelled and failed steps a new attempt. start, stop and resume are signed
operator commands (run.start, run.stop, run.resume) waited for (--wait, default
emit.ackTimeoutMs) until the reconciler committed them. Exit 0 done; 2 a workflow or param with
problems (all listed); 4 no such file or run; 65 refused; 75 not committed in time.
${EXIT_CODES}`,
    load: () => import('./commands/run.js'),
  },
  runs: {
    summary: "list this host's workflow runs",
    help: `mam runs [--json]

This host's workflow runs, newest first: state, steps done of all, when started, the file.
${EXIT_CODES}`,
    load: () => import('./commands/runs.js'),
  },
  brief: {
    summary: "a job's context in one answer: its step, run params, predecessors, findings",
    help: `mam brief <job> [--json]
mam brief [--json]                (inside a job's session)

The one call that gives an agent its context: the job's spec (prompt, gate,
workdir and branch), its run's params, step, item and attempt when it is a step
of a workflow run, what the steps it needs left (state, summary, branch,
artifacts), its last events, the latest review verdict with its findings, the
failed gate checks of this round and an open block. Inside a session, with no
job, it prints the brief its reconciler wrote at the launch (MAM_BRIEF_FILE);
a session reads no other job's brief. A workflow step's prompt gets the same
text where it says {{brief}}. Exit 0; 2 another job from inside a session;
4 no such job, or no brief written.
${EXIT_CODES}`,
    load: () => import('./commands/brief.js'),
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
