import { EXIT_MEANINGS } from '../core/errors.js';
import type { CommandRun } from './io.js';

export interface CommandEntry {
  summary: string;
  help: string;
  /** runs until signalled and then closes cleanly (exit 0); others die of the signal */
  longRunning?: (argv: string[]) => boolean;
  load: () => Promise<{ run: CommandRun }>;
}

const EXIT_CODES = `Exit codes: ${EXIT_MEANINGS.map(([code, what]) => `${code} ${what}`).join(', ')}.`;

/** Every command with its help text; modules load only when the command runs, so --help stays fast. */
export const COMMANDS: Record<string, CommandEntry> = {
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
    help: `mam broker [--port <n>] [--bind <addr>] [--wss-port <n>] [--plaintext-port <n>] [--json]

Runs the embedded Aedes broker: TLS only (default port 8883; --port 0 picks a
free port and prints it), every login checked, every topic confined by role.
--wss-port adds WebSocket over TLS for browsers. A port already in use exits 3
naming the port, the process holding it when it can be known, and broker.port. --plaintext-port adds an
unencrypted listener on 127.0.0.1 only, with a warning: for local debugging.
Stops cleanly on SIGINT/SIGTERM.`,
    longRunning: () => true,
    load: () => import('./commands/broker.js'),
  },
  emit: {
    summary: 'sign and publish one job event; wait until the reconciler commits it',
    help: `mam emit <type> --job <id> [--body <json>|@file|- | --field key=value ...] [--sender <name>] [--gen <n>] [--timeout <dur>] [--no-wait] [--json]

Types: job.started job.progress job.heartbeat job.blocked job.done job.failed job.cancelled.
Signs with the job key (MAM_JOB_KEY in an agent session, else derived from the
workspace), allocates the next seq under the job's lock, keeps the event in the
job's outbox, publishes it with QoS 1 and waits (--timeout, default from config)
until the reconciler's state for the job shows it committed. Fields: values
that parse as JSON numbers/booleans are typed (use --body for exact control).
--body @file reads the JSON from a file, --body - from stdin (a large body
never fits one command-line argument); a missing file exits 4.
--no-wait exits 0 after the broker's PUBACK; the outbox keeps the event until
the reconciler commits it.
Exit 0 committed (or PUBACK with --no-wait); 75 not acknowledged in time: the
event stays in .mam/jobs/<id>/outbox and is re-sent by the next emit and by the
host reconciler; 4 (operator, outside a session) no state of the job arrives and
this host's registry lacks it: nothing sent or kept. ${EXIT_CODES}`,
    load: () => import('./commands/emit.js'),
  },
  watch: {
    summary: 'print verified events as they arrive',
    help: `mam watch [--job <id>] [--state] [--json] [--count <n>]

Subscribes to job events and review verdicts (and retained job state with
--state), verifies every message and prints the verified ones; a message that
fails verification is shown as UNVERIFIED with its error code, never as an
event. --count exits after n messages. Stops on SIGINT/SIGTERM.`,
    longRunning: () => true,
    load: () => import('./commands/watch.js'),
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
  jobs: {
    summary: 'list jobs from the registry',
    help: `mam jobs [--state <state>] [--json]

Lists jobs in this host's registry (.mam/mam.db), newest first.
Monitoring from any MQTT client: subscribe to mam/v1/<ns>/jobs/+/state.`,
    load: () => import('./commands/jobs.js'),
  },
  job: {
    summary: 'create, show, stop or resume a job',
    help: `mam job create --agent <name> [--workdir <dir>] [--prompt <text|@file>] [--expect <artifact>]... [--host <host>] [--timeout <dur>] [--id <id>] [--backend auto|tmux|pty] [--no-worktree] [--no-launch] [--wait <dur>] [--no-wait] [--json] [-- <program> <args>...]
mam job show <id> [--json]
mam job stop <id> [--reason <text>] [--json]
mam job resume <id> [--prompt <text>] [--json]
mam job attach <id>
mam job logs [-f] <id>

create: sends a signed control.create to the host's reconciler, which registers
the job and (unless --no-launch) launches its agent in a session; prints the job
id once the session runs. Checked before anything is sent: the agent is known
and the command agent has a program (else exit 2); for a job of this host, the
workdir exists and, when the job runs in a fresh git worktree, every file the
program names in the workdir is committed there (else exit 4). It then waits
(--wait, default 30 s for the launch) until the launch is confirmed: exit 1
with the reason when it failed, 75 when it was not confirmed in time (the job
exists; \`mam job show\`). --no-wait exits 0 once the create is committed. --expect names an artifact that must exist before the session may be ended
on a done event: a path relative to the workdir, or git:commit (the workdir's
branch has commits beyond its base). --no-launch only registers the job: its
agent is started elsewhere and reports with \`mam emit\`.
show: state, sessions, the event timeline, verdicts with their findings,
refused messages and the last lines of the session log.
--worktree / --no-worktree: the job gets its own git worktree (branch
mam/<job> under .mam/worktrees/) by default when the workdir is in a git
repository and worktrees.enabled is set; the session works there.
stop: a signed operator job.cancelled on the job's event topic; the session is
ended through the same verified path as any terminal event. A job no reconciler
publishes and this host's registry lacks exits 4, and nothing is kept: a stop
can never wait for a job created later under the same id.
resume: a new session generation; events of older generations stop counting.
A job with no --timeout whose agent sends no event at all (still starting)
ends as timeout sessions.startDeadlineSeconds (3600) after its launch.
attach: plain \`tmux attach\` to the job's session (detach with C-b d).
logs: the session's captured output (.mam/jobs/<id>/session.log, capped and
rotated to session.log.1 …); -f follows, across rotations, and exits 0 once
the job's current session has ended. --bytes <n>: start n bytes from the end.
A job id this host does not know exits 4 (show, stop, resume, attach, logs).
Exit 75: not acknowledged in time (kept in the outbox and re-sent).`,
    longRunning: (argv) => argv[0] === 'logs' && (argv.includes('-f') || argv.includes('--follow')),
    load: () => import('./commands/job.js'),
  },
  verdict: {
    summary: "publish a reviewer's signed verdict on a job: PASS or NOT_PASS with findings",
    help: `mam verdict <job> PASS|NOT_PASS [--finding <text>]... [--finding-json <json>]... [--reviewer <name>] [--sender <name>] [--timeout <dur>] [--no-wait] [--json]

Publishes a signed review.verdict on reviews/<job>/verdicts: a structured
verdict, never text to be grepped. --finding adds a finding with just a
message; --finding-json adds one object or a list of them, each
{"message": "...", "severity": "info|minor|major|critical", "file": "...", "line": n}.
Checked against schemas/events/review.verdict.json before it is signed.
Inside an agent session the job is the session's own (\`mam verdict PASS\`) and
the job key signs; elsewhere the workspace's operator identity does.
The reconciler stores every verdict (\`mam job show\` lists them). A job in
review goes to done on PASS (its expected artifacts checked as for job.done)
and back to running on NOT_PASS; in other live states a verdict is recorded
and the state is unchanged.
Exit 0 committed (or PUBACK with --no-wait); 75 not acknowledged in time (kept in
the job's outbox and re-sent). ${EXIT_CODES}`,
    load: () => import('./commands/verdict.js'),
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
  rejections: {
    summary: 'list refused messages and why',
    help: `mam rejections [--job <id>] [--limit <n>] [--json]

Messages the reconciler refused, newest first, with their reason code
(bad_signature, sender_mismatch, unknown_key_id, schema, oversize, topic_mismatch,
replay, stale_seq, timestamp, wrong_generation, illegal_transition, unknown_job …).
The newest rejections.keepMax rows younger than rejections.keepDays are kept;
--json also prints the counts per reason since the registry began.`,
    load: () => import('./commands/rejections.js'),
  },
  up: {
    summary: 'start the broker and this host\'s reconciler in the background',
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

Shows whether the broker and reconciler run, and every live session of this
host: job, generation, state, backend, session name, pid and how to attach.
A session the registry still records as live but whose process is gone (the
reconciler was down when it ended) is listed apart, under gone.`,
    load: () => import('./commands/ps.js'),
  },
  demo: {
    summary: 'the end-to-end demo: a scripted agent does real work, mam verifies and ends it',
    help: `mam demo [--backend auto|tmux|pty] [--keep]

Initialises the workspace if needed, starts the daemons, launches a job whose
agent is a small script working in a temporary git repository (writes a file,
commits, reports progress and done), streams its verified events live, shows
the verified termination, then stops the daemons it started (--keep leaves
them running).`,
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

export const GLOBAL_HELP = `mam — multi-agent-mux: run CLI coding agents in tmux/pty sessions, watched through signed MQTT events.

Usage: mam <command> [options]     mam <command> --help

Commands:
${Object.entries(COMMANDS)
  .map(([n, c]) => `  ${n.padEnd(11)} ${c.summary}`)
  .join('\n')}

Global: --debug shows stack traces. MAM_HOME selects the workspace root.
${EXIT_CODES}`;
