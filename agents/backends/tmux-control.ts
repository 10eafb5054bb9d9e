/**
 * A tmux control-mode client (tmux(1), CONTROL MODE) attached to one session:
 * commands go down its stdin one per line, and each comes back framed by
 * `%begin <time> <number> <flags>` and `%end …` (or `%error …`) with the same
 * three fields. One process serves a burst of screen reads and keys, where
 * each would otherwise start a tmux client of its own (≈ 5–25 ms apiece).
 */
import { spawn } from 'node:child_process';
import type { TmuxClient, TmuxResult } from './tmux-command.js';

/** How long the client may take to attach before the caller does without it. */
const ATTACH_TIMEOUT_MS = 2000;
/** How long the client may take to leave once its stdin is closed. */
const EXIT_GRACE_MS = 1000;

export interface TmuxControl {
  /** Runs one command; `ok: false` with tmux's message, or with `closed` once the client is gone. */
  run(command: string[]): Promise<TmuxResult & { closed?: boolean }>;
  /** Calls `listener` on each `%output` of the session's panes; returns the function that stops it. */
  onOutput(listener: () => void): () => void;
  readonly open: boolean;
  /** Detaches the client (its stdin closed) and resolves once it has exited. Idempotent. */
  close(): Promise<void>;
}

/**
 * One word of a tmux command line (control mode, `source-file`), single-quoted: tmux's parser takes
 * everything inside literally (no `$`, `~`, `\` or `#{}`), and a `'` is closed,
 * escaped and reopened as in sh. A line break would end the command, so none is allowed.
 */
export function quoteControlWord(word: string): string {
  if (/[\n\r]/.test(word)) throw new Error(`a tmux control command cannot carry a line break: ${JSON.stringify(word)}`);
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Attaches a control client to `session`; undefined when it cannot (the session
 * is gone, tmux refuses): callers then run one tmux client per command as before.
 * `ignore-size` keeps the client out of the window's size. tmux sends it a
 * `%output` line as it takes in what the pane prints, before any command sent
 * after that line is run: a capture then shows the output.
 */
export async function openTmuxControl(client: TmuxClient, session: string): Promise<TmuxControl | undefined> {
  const child = spawn('tmux', ['-L', client.socket, '-C', 'attach-session', '-t', `=${session}`, '-f', 'ignore-size'], {
    env: client.env,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  let open = true;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const waiting: Array<(result: TmuxResult & { closed?: boolean }) => void> = [];
  const listeners = new Set<() => void>();
  let attached: ((ok: boolean) => void) | undefined;
  const attach = new Promise<boolean>((resolve) => (attached = resolve));

  const shut = (): void => {
    open = false;
    attached?.(false);
    for (const resolve of waiting.splice(0))
      resolve({ ok: false, closed: true, stdout: '', stderr: 'the tmux control client has exited' });
  };
  child.once('error', shut);
  child.once('close', shut);
  child.stdin.on('error', () => {}); // a client that exited leaves a broken pipe behind

  // Output between %begin and its own %end belongs to the command; a line of a
  // captured screen can only end the block by repeating that exact time, number and flags.
  let block: { fields: string; lines: string[] } | undefined;
  const onLine = (line: string): void => {
    if (!block) {
      const begin = /^%begin (\d+ \d+ (\d+))$/.exec(line);
      if (begin) block = { fields: begin[1]!, lines: [] };
      else if (line.startsWith('%output ')) for (const listener of listeners) listener();
      return; // other notifications (%session-changed, %exit …) are of no interest here
    }
    const ok = line === `%end ${block.fields}`;
    if (!ok && line !== `%error ${block.fields}`) {
      block.lines.push(line);
      return;
    }
    const text = block.lines.join('\n');
    // Flags 1: a command this client sent; 0: the attach it was started with.
    const mine = block.fields.endsWith(' 1');
    block = undefined;
    if (!mine) return attached?.(ok);
    waiting.shift()?.({ ok, stdout: ok ? text : '', stderr: ok ? '' : text });
  };
  // Split on \n only: tmux ends its lines so, and a screen line keeps any other character it holds.
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) onLine(line);
  });

  const timer = setTimeout(() => attached?.(false), ATTACH_TIMEOUT_MS);
  const ok = await attach;
  clearTimeout(timer);
  attached = undefined;

  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      const kill = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
      kill.unref();
      await exited;
      clearTimeout(kill);
    }
    shut();
  };
  if (!ok) {
    await close();
    return undefined;
  }
  return {
    get open() {
      return open;
    },
    run(command) {
      if (!open)
        return Promise.resolve({ ok: false, closed: true, stdout: '', stderr: 'the tmux control client is closed' });
      const line = `${command.map(quoteControlWord).join(' ')}\n`; // throws before anything waits on a reply
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write(line);
      });
    },
    onOutput(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close,
  };
}
