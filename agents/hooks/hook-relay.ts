/**
 * The program an agent CLI's hook runs: `node hook-relay.js <agent> <event>`
 * (Codex's notify adds its JSON payload as the last argument; the others pipe
 * it on stdin). It turns the payload into events (hook-events.ts) and sends
 * each with the session's own `mam emit`, which carries the job's MAM_*
 * environment, one after another so their seqs keep their order.
 *
 * It always ends with status 0 and prints nothing but what the CLI expects on
 * stdout: a Claude Code SessionStart hook's stdout becomes model context, and
 * a Stop hook exiting 2 would keep Claude from stopping.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emitsFor, type HookAgent } from './hook-events.js';
import { lastScreenError } from './session-error.js';

const AGENTS: readonly HookAgent[] = ['claude', 'gemini', 'codex'];
const EMIT_TIMEOUT_MS = 60_000;

function readPayload(agent: HookAgent, args: string[]): Record<string, unknown> {
  try {
    const raw = agent === 'codex' ? (args[args.length - 1] ?? '') : readFileSync(0, 'utf8');
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** One line per emit in the job folder: hooks run where nobody sees their output. */
function note(line: string): void {
  const dir = process.env.MAM_JOB_DIR;
  if (!dir) return;
  try {
    appendFileSync(join(dir, 'hooks.log'), `${new Date().toISOString()} ${line}\n`);
  } catch {
    // Best effort: a hook must not fail because its log could not be written.
  }
}

/** How long to wait for the session log to catch up with the screen (the pty backend writes it asynchronously). */
const SCREEN_ERROR_TRIES = 5;
const SCREEN_ERROR_PAUSE_MS = 200;

function screenErrorSoon(jobDir: string | undefined): string | undefined {
  for (let i = 0; ; i++) {
    const shown = lastScreenError(jobDir);
    if (shown || i + 1 >= SCREEN_ERROR_TRIES) return shown;
    // A synchronous pause: the relay runs its emits one after another.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SCREEN_ERROR_PAUSE_MS);
  }
}

function main(argv: string[]): void {
  const [agent, event = ''] = argv;
  if (!AGENTS.includes(agent as HookAgent)) {
    note(`hook-relay: unknown agent ${JSON.stringify(agent)}`);
    return;
  }
  // Codex passes no event name: its payload is the only argument after the agent.
  const payload = readPayload(agent as HookAgent, argv.slice(1));
  for (const e of emitsFor(agent as HookAgent, event, payload)) {
    // Gemini CLI's hook payload has no error text: take the one its screen showed.
    if (agent === 'gemini' && e.type === 'job.failed') {
      const shown = screenErrorSoon(process.env.MAM_JOB_DIR);
      if (shown) e.body.reason = `${e.body.reason}: ${shown}`.slice(0, 1000);
    }
    const r = spawnSync('mam', ['emit', e.type, '--body', JSON.stringify(e.body)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: EMIT_TIMEOUT_MS,
      encoding: 'utf8',
    });
    const why = r.error
      ? ` (${r.error.message})`
      : r.status === 0
        ? ''
        : `: ${String(r.stderr).trim().split('\n')[0] ?? ''}`;
    note(`${agent} ${event} → mam emit ${e.type}: exit ${r.status ?? 'none'}${why}`);
  }
  // Gemini CLI parses a hook's stdout as JSON; an empty object asks for nothing.
  if (agent === 'gemini') process.stdout.write('{}\n');
}

main(process.argv.slice(2));
