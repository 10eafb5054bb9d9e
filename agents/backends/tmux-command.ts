/**
 * Runs tmux on one socket. Every argument goes through `escapeTmuxArg`, so
 * user text can never be read as a command separator; several commands can
 * be chained into one invocation, which tmux runs without interleaving other
 * events (used to configure a session before its program can exit).
 */
import { execFile } from 'node:child_process';
import { isMamError, MamError } from '../../core/errors.js';

/** `new-session -e` (environment per session) first appeared in tmux 3.2. */
export const MIN_TMUX = { major: 3, minor: 2 } as const;

const MISSING_HINT = 'install tmux (3.2 or newer) or run with backend "pty"';

/**
 * Variables the tmux client keeps. A tmux server copies its first client's
 * environment into every session, so the daemon's own environment (which may
 * hold secrets) stays out; TMUX_TMPDIR keeps the socket where `tmux attach` looks.
 */
const CLIENT_VARS = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TMUX_TMPDIR', 'LANG', 'LC_ALL', 'LC_CTYPE'];

export interface TmuxClientOptions {
  /** tmux socket name (`tmux -L <socket>`); default 'mam'. */
  socket?: string;
  /** Environment of the tmux client (binary lookup, socket dir, a new server's globals). */
  env?: Record<string, string | undefined>;
}

export interface TmuxResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

export type TmuxRunner = (commands: string[][], input?: string) => Promise<TmuxResult>;

export function defaultClientEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of CLIENT_VARS) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/**
 * tmux treats an argument ending in ';' as the end of a command and turns a
 * trailing '\;' into ';', so a final ';' is escaped to survive as text.
 */
export function escapeTmuxArg(arg: string): string {
  return arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg;
}

/** tmux expands `#{...}` formats in some arguments (start directory, pipe-pane command). */
export function escapeTmuxFormat(text: string): string {
  return text.replaceAll('#', '##');
}

/** Single-quotes a word for the /bin/sh that tmux runs pipe-pane commands with. */
export function quoteShellWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function missing(cause: unknown): MamError {
  return new MamError('TMUX_MISSING', 'tmux was not found on PATH', { hint: MISSING_HINT, cause });
}

export interface TmuxClient {
  socket: string;
  env: Record<string, string | undefined>;
}

/** The socket and client environment every tmux client of these options uses. */
export function tmuxClient(opts: TmuxClientOptions = {}): TmuxClient {
  return { socket: opts.socket ?? 'mam', env: opts.env ?? defaultClientEnv() };
}

/** Far above any screen or listing; only a runaway output hits it. */
const MAX_OUTPUT = 64 * 1024 * 1024;

export function createTmuxRunner(opts: TmuxClientOptions = {}): TmuxRunner {
  const { socket, env } = tmuxClient(opts);
  return (commands, input) => {
    const args = ['-L', socket];
    commands.forEach((command, i) => {
      if (i > 0) args.push(';');
      args.push(...command.map(escapeTmuxArg));
    });
    // node's own execFile: a tmux call is on every screen read's path, and execa's extras cost a few ms a call.
    return new Promise((resolve, reject) => {
      const child = execFile('tmux', args, { env, maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (!err) return resolve({ ok: true, stdout, stderr });
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return reject(missing(err));
        // A number is tmux's exit status; anything else means tmux did not run to its end.
        if (typeof code !== 'number')
          return reject(new MamError('SESSION', `tmux could not be run: ${err.message}`, { cause: err }));
        resolve({ ok: false, stdout, stderr });
      });
      child.stdin?.on('error', () => {}); // tmux may exit before reading its input
      child.stdin?.end(input);
    });
  };
}

/** Runs tmux and throws MamError('SESSION') with tmux's own message when it fails. */
export async function runTmuxOrThrow(
  run: TmuxRunner,
  commands: string[][],
  what: string,
  input?: string,
): Promise<string> {
  const result = await run(commands, input);
  if (!result.ok) {
    throw new MamError('SESSION', `tmux could not ${what}: ${result.stderr.trim() || 'unknown error'}`);
  }
  return result.stdout;
}

export type TmuxInstall = { found: false } | { found: true; version: string; supported: boolean };

/** What tmux is installed: absent, or its version ("3.3a") and whether it is new enough. */
export async function inspectTmux(run: TmuxRunner): Promise<TmuxInstall> {
  let result: TmuxResult;
  try {
    result = await run([['-V']]);
  } catch (err) {
    if (isMamError(err, 'TMUX_MISSING')) return { found: false };
    throw err;
  }
  const version = result.stdout.trim().replace(/^tmux\s+/, '');
  if (!result.ok || version === '') return { found: false };
  // Builds without a numeric version (e.g. "master") are assumed recent.
  const match = /(\d+)\.(\d+)/.exec(version);
  const [major, minor] = match ? [Number(match[1]), Number(match[2])] : [Infinity, 0];
  return {
    found: true,
    version,
    supported: major > MIN_TMUX.major || (major === MIN_TMUX.major && minor >= MIN_TMUX.minor),
  };
}

/** The installed tmux version; throws TMUX_MISSING when tmux is absent or older than MIN_TMUX. */
export async function probeTmuxVersion(run: TmuxRunner): Promise<string> {
  const tmux = await inspectTmux(run);
  if (!tmux.found) throw missing(undefined);
  if (!tmux.supported) {
    throw new MamError(
      'TMUX_MISSING',
      `tmux ${tmux.version} is too old (need ${MIN_TMUX.major}.${MIN_TMUX.minor} or newer)`,
      { hint: MISSING_HINT },
    );
  }
  return tmux.version;
}
