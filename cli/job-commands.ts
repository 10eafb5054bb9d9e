import { EXIT_CODES, type CommandEntry } from './command-entry.js';

/** The commands that create, follow and report on jobs, with their help texts (cli/commands.ts lists them all). */
export const JOB_COMMANDS: Record<string, CommandEntry> = {
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
  jobs: {
    summary: 'list jobs from the registry',
    help: `mam jobs [--state <state>] [--json]

Lists jobs in this host's registry (.mam/mam.db), newest first. A job of
another host whose reconciler went offline shows as \`host offline\` (its last
state beside it; --json keeps state and adds display): never killed or moved.
Monitoring from any MQTT client: subscribe to mam/v1/<ns>/jobs/+/state.`,
    load: () => import('./commands/jobs.js'),
  },
  job: {
    summary: 'create, show, stop or resume a job',
    help: `mam job create --agent <name> [--workdir <dir>] [--prompt <text|@file>] [--expect <artifact>]... [--host <host>|auto] [--labels k=v,…] [--queue-offline] [--timeout <dur>] [--id <id>] [--backend auto|tmux|pty] [--no-worktree] [--no-launch] [--wait <dur>] [--no-wait] [--json] [policy flags] [-- <program> <args>...]
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
Policy flags (docs/POLICIES.md; each wins over agents.<name> and the policies config):
  --priority low|normal|high|urgent|0-9  queue order once sessions.maxConcurrent or
        agents.<name>.maxConcurrent is reached (normal = 5); a waiting job gains a
        level every scheduler.agingSeconds. A queued job's create exits 0 and says why it waits.
  --after <job>[,<job>...]  start once every one is done; one failed or cancelled
        cancels this job too. --after-any: one done suffices.
  --gate "<command>"  after a verified done, run it with sh -c in the job's worktree
        (state testing); a failure goes back to the agent as its next prompt.
  --gate-attempts <n>  gate runs before the job fails (1-20, default 3).
  --gate-timeout <dur>  per gate run (default 10m).
  --retries <n>  new generations after a failure or a lost session (0-100, default 0).
  --backoff <min>[..<max>]  wait before each retry, doubling from min to max, with
        jitter (default 30s..10m).
  --approval auto|human|risk  after the gate: done (auto); wait in review for a person
        (human); a person only when the diff touches approvals.highRisk paths (risk).
  What needs a person (blocked, gate failed, retries exhausted …) is in \`mam inbox\`.
  e.g. mam job create --agent claude --priority high --gate "npm test" --retries 2 --backoff 30s..5m --prompt "fix the flaky test"
       mam job create --agent codex --after j1,j2 --approval risk --prompt @task.md
       mam job create --agent command --priority low --after a,b --after-any -- make docs
--host auto (or --labels alone) picks, among the hosts whose retained status
says online and whose labels (\`mam host add --labels\`) match, the one with the
fewest unended jobs; --host <name> of a host whose status says offline exits 1
unless --queue-offline (the broker keeps the job for it).
show: state, sessions, the event timeline, verdicts with their findings,
quality-gate runs with the end of the newest gate log and the approval
decision, refused messages and the last lines of the session log.
--worktree / --no-worktree: the job gets its own git worktree (branch
mam/<job> under .mam/worktrees/) by default when the workdir is in a git
repository and worktrees.enabled is set; the session works there.
stop: a signed operator job.cancelled on the job's event topic; the session is
ended through the same verified path as any terminal event. A job no reconciler
publishes and this host's registry lacks exits 4, and nothing is kept: a stop
can never wait for a job created later under the same id.
--retries <n> --backoff <min>..<max> (e.g. 30s..10m): a failed job or a lost
session is retried as a new generation after an exponential, jittered backoff,
its deadline kept across restarts; with the retries used it stays failed and is
escalated. An agent whose jobs keep failing is held back by its circuit breaker
(\`mam breaker\`, docs/POLICIES.md).
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
  approve: {
    summary: "approve a job waiting in review for a person: the operator's signed PASS",
    help: `mam approve <job> [--finding <text>]... [--timeout <dur>] [--no-wait] [--json]

For a job that passed its quality gate and waits in review because its approval
is human, or risk with changed paths matching approvals.highRisk (\`mam job show\`
names them). Publishes the operator's signed review.verdict PASS, as
\`mam verdict <job> PASS\` does outside an agent session: the job goes to done
and its session ends. Only an operator's PASS approves; a job's own agent cannot.
A job this host knows that is not in review is refused (exit 1) and nothing is sent.
Exit 0 committed (or PUBACK with --no-wait); 75 not acknowledged in time (kept in
the outbox and re-sent). See docs/POLICIES.md. ${EXIT_CODES}`,
    load: () => import('./commands/approve.js'),
  },
  inbox: {
    summary: 'what needs a person: blocked jobs, failed gates, exhausted retries, open breakers, approvals',
    help: `mam inbox [--json]

Lists every open escalation in this host's registry, oldest first: the job, its
host, the kind (blocked, gate-failed, retries-exhausted, breaker-open,
needs-approval), why, how long ago, and the command that resolves it. Each one
is also a signed, retained message on jobs/<job>/escalations, so escalations of
other hosts' jobs are listed too. Resolving the job clears its escalations: it
ends done or cancelled, it is resumed (\`mam job resume\`), or an operator or a
reviewer acts on it (a verdict, an approval); a blocked job that goes on
clears its blocked one. --json: a list of {job, host, kind, reason, command,
state, createdAt, ageMs}. See docs/POLICIES.md.`,
    load: () => import('./commands/inbox.js'),
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
};
