import { EXIT_CODES, type CommandEntry } from './command-entry.js';
import { JOB_COMMANDS } from './job-commands.js';
import { HOST_COMMANDS } from './host-commands.js';
import { WORKFLOW_COMMANDS } from './workflow-commands.js';

export type { CommandEntry } from './command-entry.js';

const OWN: Record<string, CommandEntry> = {
  init: {
    summary: 'create .mam/ in this project: config, private CA, keys, broker logins',
    help: `mam init [--namespace <ns>] [--host <name>] [--san <name>]... [--port <n>|auto] [--force] [--json]

Turns .mam.example into .mam/ at the workspace root (the first folder above
the current one holding .mam/ or .git/, or MAM_HOME). Generates a private CA and
a server certificate (SAN: localhost, 127.0.0.1, ::1, this hostname and every
--san), an HMAC master key with a key id, and one broker login per role
(reconciler, operator, agent, reader). Secrets are 0600 in 0700 folders.
A second init keeps every key; --force regenerates them all and says so.
config.json is written only when missing: --force never resets it (delete it
to start again from .mam.example). --port sets broker.port, in a new config or
the kept one (only that key changes); --port auto picks a port free now, so
several workspaces on one machine each get their own broker.`,
    load: () => import('./commands/init.js'),
  },
  doctor: {
    summary: 'check Node, native modules, tmux, certificates, permissions, broker',
    help: `mam doctor [--json]

Checks the Node version, that native modules load, tmux, certificate validity and
expiry, secret file permissions, broker reachability with the workspace
credentials, and that the registry a running reconciler writes is still the
file at .mam/mam.db (not deleted or replaced) and private (0600). Prints a fix for each failure; exits 1 when anything failed.`,
    load: () => import('./commands/doctor.js'),
  },
  broker: {
    summary: 'run the embedded TLS MQTT broker in the foreground',
    help: `mam broker [--port <n>] [--bind <addr>] [--wss-port <n>] [--plaintext-port <n>] [--cluster redis://host:port] [--json]

Runs the embedded Aedes broker: TLS only (default port 8883; --port 0 picks a
free port and prints it), every login checked, every topic confined by role.
--wss-port adds WebSocket over TLS for browsers. A port already in use exits 3
naming the port, the process holding it when it can be known, and broker.port. --plaintext-port adds an
unencrypted listener on 127.0.0.1 only, with a warning: for local debugging.
--cluster (or broker.cluster) makes this broker one node of a cluster sharing
that Redis: sessions, retained messages and wills are shared, so a client lists
every node in broker.urls and fails over when its node goes (docs/DEPLOYMENT.md).
Stops cleanly on SIGINT/SIGTERM.`,
    longRunning: () => true,
    load: () => import('./commands/broker.js'),
  },
  reconcile: {
    summary: "run this host's reconciler in the foreground",
    help: `mam reconcile [--subscribe] [--host <name>]

Runs the host's one reconciler: one persistent MQTT session with one wildcard
subscription over the namespace. Every message is verified (signature before
parsing, schema, timestamp window, generation, replay) and committed with its
job update and the sender's high-water mark in one SQLite transaction
(.mam/mam.db); only then is it acknowledged to the broker and the job's signed,
retained state published on jobs/<job>/state. Refused messages are recorded
(see \`mam rejections\`). Sweeps re-send this host's outboxes. Publishes
hosts/<host>/status (retained; last will: offline). SIGINT/SIGTERM: finishes
the open transaction, closes the database, disconnects.
Exit 3 when .mam/mam.db is deleted or replaced while it runs: it stops taking
messages at once (nothing more is acknowledged; the broker keeps them).`,
    longRunning: () => true,
    load: () => import('./commands/reconcile.js'),
  },
  gc: {
    summary: 'free disk: worktrees of ended jobs, rotated logs, expired outbox entries',
    help: `mam gc [--dry-run] [--events-older-than <dur>] [--json]

Removes what ended jobs leave behind and prints the bytes freed:
- worktrees (.mam/worktrees/<job>) of jobs that are done, failed, cancelled,
  timed out or lost, and of jobs the registry no longer has; the branch
  mam/<job> is kept, so their commits survive. Uncommitted changes in them are
  discarded: look first with --dry-run. A worktree a process still works in
  is kept.
- rotated session logs (session.log.1 …) of ended jobs;
- expired outbox entries (.mam/jobs/<job>/outbox/expired/) and entries the
  reconciler found unfit to send (outbox/rejected/, each with a .reason);
- refused messages in the registry beyond rejections.keepMax (newest kept) or
  older than rejections.keepDays; the counts per reason are kept;
- with --events-older-than <dur> (e.g. 30d; at least events.maxAgeSeconds, past
  which a replay is refused by its timestamp): the events of jobs that ended
  before then, except each job's first event and the one that ended it.
Jobs with a live session are never touched. --dry-run only reports.
The reconciler removes worktrees on its own per worktrees.removeOnEnd
(see docs/OPERATIONS.md); gc is for what that policy keeps.`,
    load: () => import('./commands/gc.js'),
  },
  up: {
    summary: "start the broker and this host's reconciler in the background",
    help: `mam up [--json]

Starts the embedded broker (unless broker.url names an external one) and the
host's reconciler as background daemons: pid files and logs in .mam/run/.
Idempotent: running daemons are kept; stale pid files are detected and replaced.
Waits until the broker answers and the reconciler reports online.`,
    load: () => import('./commands/up.js'),
  },
  down: {
    summary: 'stop the daemons started by mam up',
    help: `mam down [--json]

Stops the reconciler (it finishes its transaction and publishes offline), then
the broker, each with SIGTERM and a deadline. tmux sessions keep running,
unwatched until the next \`mam up\`: each one left running is listed (--json:
leftRunning); pty sessions end with the reconciler.`,
    load: () => import('./commands/down.js'),
  },
  ps: {
    summary: 'daemons and live sessions of this host',
    help: `mam ps [--json]

Shows whether the broker and reconciler run, every live session of this
host (job, generation, state, backend, session name, pid and how to attach),
and each circuit breaker of this host that is open or half-open, with why
(\`mam breaker reset <agent>\` closes one).
A session the registry still records as live but whose process is gone (the
reconciler was down when it ended) is listed apart, under gone.`,
    load: () => import('./commands/ps.js'),
  },
  breaker: {
    summary: "reset an agent's circuit breaker on a host",
    help: `mam breaker reset <agent> [--host <host>] [--reason <text>] [--wait <dur>] [--json]

A host's circuit breaker for an agent kind opens after breaker.failures
consecutive failed or lost jobs of that agent within breaker.windowSeconds:
the queue then launches no job of that agent there (\`mam ps\` shows the
breaker and why; \`mam job show\` says why a job waits). After
breaker.cooldownSeconds one waiting job launches as a probe: its done closes
the breaker, its failure opens it again (docs/POLICIES.md).
reset closes it at once: a signed operator command (breaker.reset) on
hosts/<host>/control (default: this host). For this host, waits (--wait,
default emit.ackTimeoutMs) until the reconciler has applied it; another
host's reconciler applies it when it receives it.
Exit 0 reset (or sent, for another host); 65 refused; 75 not applied in
time (is the reconciler running?). ${EXIT_CODES}`,
    load: () => import('./commands/breaker.js'),
  },
  demo: {
    summary: 'the end-to-end demo: a workflow of scripted agents, verified and ended by mam',
    help: `mam demo [--backend auto|tmux|pty] [--keep]

Initialises the workspace if needed, starts the daemons, and runs a small
workflow of scripted agents in a temporary git repository: plan, two parts
implemented in parallel, each through its gate and a review (one NOT_PASS and
its rework round), then a merge. Streams every verified event, verdict and
state, ends with a table of steps, attempts, verdicts and durations, then
stops the daemons it started (--keep leaves them running). Exit 0 when the run
is done, 1 otherwise.`,
    longRunning: () => true,
    load: () => import('./commands/demo.js'),
  },
  keys: {
    summary: 'rotate the HMAC master key (old keys stay accepted)',
    help: `mam keys rotate [--json] | mam keys list [--json] | mam keys retire <kid>

rotate: adds a new master key and makes it active; every older key id is still
accepted (the overlap window) until retired. A running reconciler reads
keys.json again when a message names a key id it lacks: no restart needed.
list: key ids and which is active (never the secrets).
retire: removes an inactive key id; events signed with it are refused afterwards.
An unknown key id exits 4.`,
    load: () => import('./commands/keys.js'),
  },
};

/**
 * Every command with its help text, in the order `mam --help` lists them; modules load only when the command runs, so
 * --help stays fast.
 */
export const COMMANDS: Record<string, CommandEntry> = Object.fromEntries(
  [
    'init',
    'doctor',
    'broker',
    'emit',
    'watch',
    'reconcile',
    'jobs',
    'job',
    'inbox',
    'verdict',
    'approve',
    'gc',
    'rejections',
    'up',
    'down',
    'ps',
    'breaker',
    'run',
    'runs',
    'brief',
    'schedule',
    'demo',
    'keys',
    'host',
    'hosts',
    'join',
    'dashboard',
  ].map((name) => [name, OWN[name] ?? JOB_COMMANDS[name] ?? WORKFLOW_COMMANDS[name] ?? HOST_COMMANDS[name]!]),
);

export const GLOBAL_HELP = `mam — multi-agent-mux: run CLI coding agents in tmux/pty sessions, watched through signed MQTT events.

Usage: mam <command> [options]     mam <command> --help

Commands:
${Object.entries(COMMANDS)
  .map(([n, c]) => `  ${n.padEnd(11)} ${c.summary}`)
  .join('\n')}

Global: --debug shows stack traces. MAM_HOME selects the workspace root.
${EXIT_CODES}`;
