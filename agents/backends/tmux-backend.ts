/**
 * Sessions as tmux sessions on a dedicated socket, so they outlive the daemon
 * and a person can watch one with `tmux -L mam attach -t <name>`.
 */
import { randomBytes } from 'node:crypto';
import { MamError } from '../../core/errors.js';
import { writeLaunchEnv } from './launch-env.js';
import { escalateTermination, pollUntilGone, processExists } from './escalate-termination.js';
import { prepareSpec, tidyScreen } from './prepare-spec.js';
import {
  createTmuxRunner,
  escapeTmuxFormat,
  probeTmuxVersion,
  quoteShellWord,
  runTmuxOrThrow,
  tmuxClient,
} from './tmux-command.js';
import { openTmuxControl, type TmuxControl } from './tmux-control.js';
import { createTmuxBatch } from './tmux-batch.js';
import type { Key, SessionBackend, SessionConnection, SessionInfo, SessionSpec } from '../session-backend.js';
import type { TmuxClientOptions, TmuxRunner } from './tmux-command.js';
import { chunkText, paneOf, TMUX_KEYS } from './tmux-targets.js';

export type TmuxBackendOptions = TmuxClientOptions;

export function createTmuxBackend(opts: TmuxBackendOptions = {}): SessionBackend {
  const run = createTmuxRunner(opts);
  /** The liveness, pid and key calls a burst of terminations makes: gathered into few tmux processes. */
  const batched = createTmuxBatch(run);
  let closed = false;

  /** Control clients of the sessions being driven (see `connect`), and how many holders each has. */
  const controls = new Map<string, { control: Promise<TmuxControl | undefined>; holders: number }>();
  /**
   * Runs a single command through the session's control client while one is
   * open; otherwise, or once that client has gone, in the next batch.
   */
  const runOn =
    (name: string): TmuxRunner =>
    async (commands, input) => {
      const control = commands.length === 1 && input === undefined ? await controls.get(name)?.control : undefined;
      if (control?.open) {
        const result = await control.run(commands[0]!);
        if (!result.closed) return result;
      }
      return batched(commands, input);
    };

  const connect = async (name: string): Promise<SessionConnection> => {
    if (closed) return { close: async () => {} };
    let line = controls.get(name);
    if (!line) {
      line = { control: openTmuxControl(tmuxClient(opts), name).catch(() => undefined), holders: 0 };
      controls.set(name, line);
    }
    const held = line;
    held.holders += 1;
    const control = await held.control;
    let released = false;
    return {
      ...(control && { onOutput: (listener: () => void) => control.onOutput(listener) }),
      async close() {
        if (released) return;
        released = true;
        held.holders -= 1;
        if (held.holders > 0) return;
        if (controls.get(name) === held) controls.delete(name);
        await (await held.control)?.close();
      },
    };
  };
  let probed: Promise<string> | undefined;

  const ensureTmux = (): Promise<string> => {
    // A failed probe is not cached: tmux may be installed while the daemon runs.
    probed ??= probeTmuxVersion(run).catch((err: unknown) => {
      probed = undefined;
      throw err;
    });
    return probed;
  };

  const isAlive = async (name: string): Promise<boolean> => (await batched([['has-session', '-t', `=${name}`]])).ok;

  /**
   * Watches the pane's program with signal 0 (no tmux call) until it exits, then
   * has tmux confirm the session is gone: tmux stays the judge, polled only at the end.
   */
  const waitGone = async (name: string, panePid: number | undefined, ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    if (panePid !== undefined) await pollUntilGone(async () => processExists(panePid), ms, 5);
    const listed = () =>
      sharedListing().then(
        (names) => names.includes(name),
        () => isAlive(name),
      );
    return pollUntilGone(listed, Math.max(0, deadline - Date.now()), 20);
  };

  const listSessions = async (): Promise<string[]> => {
    const result = await run([['list-sessions', '-F', '#{session_name}']]);
    // No server on the socket (or no socket yet) simply means no sessions.
    if (!result.ok && /no server running|error connecting to/.test(result.stderr)) return [];
    if (!result.ok) throw new MamError('SESSION', `tmux could not list sessions: ${result.stderr.trim()}`);
    return result.stdout.split('\n').filter((line) => line !== '');
  };

  /**
   * One listing in flight at a time, shared by every waiter: a burst of
   * terminations asks tmux once per round instead of once per session, which
   * would keep the server too busy to retire the very panes being waited for.
   */
  let listing: Promise<string[]> | undefined;
  const sharedListing = (): Promise<string[]> => (listing ??= listSessions().finally(() => (listing = undefined)));

  const pid = async (name: string): Promise<number | undefined> => {
    // list-panes fails on an unknown session; display-message would quietly print nothing.
    const result = await runOn(name)([['list-panes', '-s', '-t', paneOf(name), '-F', '#{pane_pid}']]);
    const value = Number.parseInt(result.stdout.split('\n')[0] ?? '', 10);
    return result.ok && value > 0 ? value : undefined;
  };

  const sendText = async (name: string, text: string, sendOpts: { paste?: boolean } = {}): Promise<void> => {
    if (text === '') return;
    if (sendOpts.paste) {
      // Through stdin, so a long prompt is not bound by tmux's message size; -d frees the buffer.
      const buffer = `mam-paste-${randomBytes(6).toString('hex')}`;
      const commands = [
        ['load-buffer', '-b', buffer, '-'],
        ['paste-buffer', '-p', '-d', '-b', buffer, '-t', paneOf(name)],
      ];
      await runTmuxOrThrow(run, commands, `paste into ${name}`, text);
      return;
    }
    for (const chunk of chunkText(text)) {
      await runTmuxOrThrow(run, [['send-keys', '-l', '-t', paneOf(name), '--', chunk]], `type into ${name}`);
    }
  };

  const sendKeys = async (name: string, keys: Key[]): Promise<void> => {
    if (keys.length === 0) return;
    await runTmuxOrThrow(
      runOn(name),
      [['send-keys', '-t', paneOf(name), ...keys.map((key) => TMUX_KEYS[key])]],
      `send keys to ${name}`,
    );
  };

  const start = async (input: SessionSpec): Promise<SessionInfo> => {
    if (closed) throw new MamError('SESSION', 'the tmux backend is closed');
    await ensureTmux();
    const spec = await prepareSpec(input);
    // The environment goes through a private file, never tmux's command line or its session
    // environment (launch-env.ts); the launcher's variables replace the ones tmux set (PATH …).
    const launch = writeLaunchEnv(spec.env);
    const program = launch.argv([...(spec.wrapper ?? []), spec.command, ...spec.args]);
    const size = ['-x', String(spec.cols), '-y', String(spec.rows)];
    const commands = [
      ['new-session', '-d', '-s', spec.name, '-c', escapeTmuxFormat(spec.cwd), ...size, ...program],
      // Chained in one invocation, so these apply before tmux can notice the program exiting.
      ['set-option', '-w', '-t', paneOf(spec.name), 'remain-on-exit', 'off'],
    ];
    if (spec.logFile !== undefined) {
      const pipe = `cat >> ${quoteShellWord(spec.logFile)}`;
      commands.push(['pipe-pane', '-o', '-t', paneOf(spec.name), escapeTmuxFormat(pipe)]);
    }
    commands.push(['list-panes', '-t', paneOf(spec.name), '-F', '#{pane_pid}']);
    let out: string;
    try {
      out = await runTmuxOrThrow(run, commands, `start session ${spec.name}`).catch((err: Error) => {
        // A server whose last session just ended exits, and a new-session reaching it then fails
        // this way: nothing was started, and the next invocation starts a fresh server. (A session
        // that did start makes the second try fail as a duplicate: never two.)
        if (!/server exited unexpectedly/.test(err.message)) throw err;
        return runTmuxOrThrow(run, commands, `start session ${spec.name}`);
      });
    } catch (err) {
      launch.discard();
      throw err;
    }
    launch.expireUnread();
    const panePid = Number.parseInt(out.trim().split('\n').pop() ?? '', 10);
    if (!(panePid > 0)) throw new MamError('SESSION', `tmux started ${spec.name} but reported no pid`);
    return { name: spec.name, backend: 'tmux', pid: panePid };
  };

  return {
    name: 'tmux',
    start,
    sendText,
    sendKeys,
    isAlive,
    pid,
    connect,
    async readScreen(name) {
      const out = await runTmuxOrThrow(
        runOn(name),
        [['capture-pane', '-p', '-J', '-t', paneOf(name)]],
        `read the screen of ${name}`,
      );
      return tidyScreen(out.split('\n'));
    },
    list: listSessions,
    terminate(name, termOpts) {
      let panePid = termOpts?.pid;
      return escalateTermination(
        {
          name,
          isAlive: () => isAlive(name),
          waitGone: (ms) => waitGone(name, panePid, ms),
          pid: async () => (panePid = await pid(name)),
          sendExitKey: (key) => (typeof key === 'string' ? sendKeys(name, [key]) : sendText(name, key.text)),
          finalRemove: async () => {
            await run([['kill-session', '-t', `=${name}`]]);
          },
        },
        termOpts,
      );
    },
    async close() {
      closed = true;
      const open = [...controls.values()];
      controls.clear();
      await Promise.all(open.map(async (line) => (await line.control)?.close()));
    },
  };
}
