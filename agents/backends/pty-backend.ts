/**
 * Sessions as headless pseudo-terminals owned by this process (node-pty), for
 * hosts without tmux. They cannot outlive their owner: closing the backend
 * hangs them up.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node-pty';
import type { WriteStream } from 'node:fs';
import type { IPty } from 'node-pty';
import { MamError } from '../../core/errors.js';
import { escalateTermination, signalGroup } from './escalate-termination.js';
import { prepareSpec, tidyScreen } from './prepare-spec.js';
import { createScreenBuffer } from './screen-buffer.js';
import type { Key, SessionBackend, SessionConnection, SessionInfo, SessionSpec } from '../session-backend.js';
import type { ScreenBuffer } from './screen-buffer.js';

const PTY_KEYS: Record<Key, string> = {
  Enter: '\r',
  Escape: '\x1b',
  Up: '\x1b[A',
  Down: '\x1b[B',
  Right: '\x1b[C',
  Left: '\x1b[D',
  Tab: '\t',
  'C-c': '\x03',
  'C-d': '\x04',
  BSpace: '\x7f',
};

const CLOSE_WAIT_MS = 1000;

interface PtySession {
  term: IPty;
  screen: ScreenBuffer;
  rows: number;
  alive: boolean;
  exited: Promise<void>;
}

/** node-pty's typings omit destroy(), the call that closes the master fd and its stream. */
type DestroyablePty = IPty & { destroy(): void };

/**
 * Frees the master side of an exited pty. node-pty may report exit before its
 * stream has closed; destroy() then sends SIGHUP to the pid once it does, and
 * that pid has been reaped and may belong to another process by now.
 */
function releaseExited(term: IPty): void {
  term.kill = () => {};
  (term as DestroyablePty).destroy();
}

async function openLog(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  await once(stream, 'open');
  // A failing disk must not take the daemon down; the session just stops being logged.
  stream.on('error', () => stream.destroy());
  return stream;
}

/** Resolves true if `exited` settles within `ms`, without leaving a timer behind. */
async function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([exited.then(() => true), sleep(ms, false, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}

export function createPtyBackend(): SessionBackend {
  const sessions = new Map<string, PtySession>();
  let closed = false;

  const live = (name: string): PtySession => {
    const session = sessions.get(name);
    if (!session?.alive) throw new MamError('SESSION', `no live pty session named ${name}`);
    return session;
  };

  const sendText = async (name: string, text: string, opts: { paste?: boolean } = {}): Promise<void> => {
    const session = live(name);
    if (!opts.paste) {
      session.term.write(text);
      return;
    }
    // Like tmux's paste-buffer: newlines become CR, brackets only if the program asked for them.
    const body = text.replace(/\r?\n/g, '\r');
    session.term.write(session.screen.bracketedPaste ? `\x1b[200~${body}\x1b[201~` : body);
  };

  const sendKeys = async (name: string, keys: Key[]): Promise<void> => {
    live(name).term.write(keys.map((key) => PTY_KEYS[key]).join(''));
  };

  /** The pty's own data events: the screen buffer has taken each chunk in before the listener hears of it. */
  const connect = async (name: string): Promise<SessionConnection> => {
    const session = sessions.get(name);
    const subscriptions = new Set<{ dispose(): void }>();
    return {
      ...(session?.alive && {
        onOutput(listener: () => void) {
          const subscription = session.term.onData(() => listener());
          subscriptions.add(subscription);
          return () => {
            subscription.dispose();
            subscriptions.delete(subscription);
          };
        },
      }),
      async close() {
        for (const subscription of subscriptions) subscription.dispose();
        subscriptions.clear();
      },
    };
  };

  const start = async (input: SessionSpec): Promise<SessionInfo> => {
    if (closed) throw new MamError('SESSION', 'the pty backend is closed');
    const spec = await prepareSpec(input);
    const log = spec.logFile === undefined ? undefined : await openLog(spec.logFile);
    // Checked after the last await, so two concurrent starts cannot both take the name.
    if (sessions.has(spec.name)) {
      log?.destroy();
      throw new MamError('SESSION', `a pty session named ${spec.name} is already running`);
    }
    let term: IPty;
    try {
      // node-pty forks and exec's with the environment as envp: no command line ever holds it.
      const [file, ...args] = [...(spec.wrapper ?? []), spec.command, ...spec.args];
      term = spawn(file!, args, {
        name: spec.env.TERM ?? 'xterm-256color',
        cols: spec.cols,
        rows: spec.rows,
        cwd: spec.cwd,
        env: spec.env,
      });
    } catch (cause) {
      log?.destroy();
      throw new MamError('SESSION', `could not start ${spec.command} in a pty`, { cause });
    }
    const screen = createScreenBuffer(200, spec.rows);
    let markExited = (): void => {};
    const exited = new Promise<void>((resolve) => (markExited = resolve));
    const session: PtySession = { term, screen, rows: spec.rows, alive: true, exited };
    sessions.set(spec.name, session);
    term.onData((data) => {
      screen.write(data);
      if (log?.writable) log.write(data);
    });
    term.onExit(() => {
      session.alive = false;
      if (sessions.get(spec.name) === session) sessions.delete(spec.name);
      releaseExited(term);
      log?.end();
      markExited();
    });
    return { name: spec.name, backend: 'pty', pid: term.pid };
  };

  return {
    name: 'pty',
    start,
    sendText,
    sendKeys,
    connect,
    async readScreen(name) {
      const session = live(name);
      return tidyScreen(session.screen.lines(session.rows));
    },
    async isAlive(name) {
      return sessions.get(name)?.alive ?? false;
    },
    async pid(name) {
      const session = sessions.get(name);
      return session?.alive ? session.term.pid : undefined;
    },
    async list() {
      return [...sessions].filter(([, session]) => session.alive).map(([name]) => name);
    },
    terminate(name, opts) {
      const session = sessions.get(name);
      const alive = async (): Promise<boolean> => session?.alive ?? false;
      return escalateTermination(
        {
          name,
          isAlive: alive,
          waitGone: (ms) => (session ? exitsWithin(session.exited, ms) : Promise.resolve(true)),
          pid: async () => session?.term.pid,
          // Reaped only when onExit fires (which ends the wait first): the pid is ours until then.
          ownChild: true,
          sendExitKey: (key) => (typeof key === 'string' ? sendKeys(name, [key]) : sendText(name, key.text)),
          // Still alive after SIGKILL: close the master so nothing of ours keeps it.
          finalRemove: async () => {
            if (session) (session.term as DestroyablePty).destroy();
          },
        },
        opts,
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      const open = [...sessions.values()].filter((session) => session.alive);
      // destroy() closes the master and hangs up the program; a program that ignores SIGHUP is killed.
      for (const session of open) (session.term as DestroyablePty).destroy();
      await Promise.all(
        open.map(async (session) => {
          if (!(await exitsWithin(session.exited, CLOSE_WAIT_MS))) signalGroup(session.term.pid, 'SIGKILL', true);
          await exitsWithin(session.exited, CLOSE_WAIT_MS);
        }),
      );
    },
  };
}
