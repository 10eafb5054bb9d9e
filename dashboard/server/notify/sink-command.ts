import { execa } from 'execa';
import { messageId, textOf, titleOf } from './message.js';
import type { Notification } from './notification.js';
import type { Deliver } from './sinks.js';

/** The message as MAM_NOTIFY_* environment variables (unset fields are empty). */
export function notifyEnv(n: Notification): Record<string, string> {
  return {
    MAM_NOTIFY_ID: messageId(n),
    MAM_NOTIFY_KIND: n.kind,
    MAM_NOTIFY_JOB: n.job ?? '',
    MAM_NOTIFY_HOST: n.host,
    MAM_NOTIFY_STATE: n.state,
    MAM_NOTIFY_REASON: n.reason,
    MAM_NOTIFY_GEN: n.gen === undefined ? '' : String(n.gen),
    MAM_NOTIFY_ESCALATION: n.escalation ?? '',
    MAM_NOTIFY_COMMAND: n.command ?? '',
    MAM_NOTIFY_URL: n.link ?? '',
    MAM_NOTIFY_AT: new Date(n.at).toISOString(),
    MAM_NOTIFY_TITLE: titleOf(n),
    MAM_NOTIFY_TEXT: textOf(n),
  };
}

/**
 * A command sink (`notify-send`, a script): the program runs without a shell, the message's text
 * is its last argument and the fields are in its environment. A non-zero exit is a failed attempt;
 * past the timeout it gets SIGTERM, then SIGKILL.
 */
export function commandSink(argv: readonly string[], timeoutMs: number): Deliver {
  const [file, ...args] = argv as [string, ...string[]];
  return async (n, signal) => {
    const r = await execa(file, [...args, textOf(n)], {
      env: notifyEnv(n),
      extendEnv: true,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'pipe',
      maxBuffer: 64 * 1024,
      reject: false,
      timeout: timeoutMs,
      cancelSignal: signal,
      forceKillAfterDelay: 2000,
    });
    if (!r.failed) return;
    if (r.timedOut) throw new Error(`the command ran past ${timeoutMs} ms`);
    const tail = String(r.stderr ?? '')
      .trim()
      .slice(-200);
    if (r.exitCode === undefined) throw new Error(`the command could not run: ${r.originalMessage || r.shortMessage}`);
    throw new Error(`the command exited with ${r.exitCode}${tail ? `: ${tail}` : ''}`);
  };
}
