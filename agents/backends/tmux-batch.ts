/**
 * Single tmux commands asked for close together, run by one tmux client.
 * Every tmux process costs the daemon a fork and an exec, during which its
 * event loop stands still (≈ 10–20 ms on a busy two-core host): a burst of 50
 * terminations, two tmux calls each, held the reconciler for over a second.
 *
 * Commands that arrive while a batch runs wait for the next one, so each
 * answer reflects tmux after it was asked for. A batch of two or more goes
 * down `tmux source-file -`: each line is parsed and run on its own (a failing
 * one does not stop the others), and markers around every command say which
 * output is whose and whether it succeeded. A lone command runs as before.
 */
import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { quoteControlWord } from './tmux-control.js';
import type { TmuxResult, TmuxRunner } from './tmux-command.js';

interface Queued {
  command: string[];
  resolve(result: TmuxResult): void;
  reject(err: unknown): void;
}

/** The tmux command line of `words`, as tmux's parser reads it (source-file, control mode). */
const commandLine = (words: string[]): string => words.map(quoteControlWord).join(' ');

/**
 * Runs the batch as one `source-file -`: line i is `display-message 'tag i' ;
 * command ; display-message 'tag i ok'`. A command that fails stops its own
 * line, so its closing marker is missing; tmux reports each failure on a line
 * of stderr, in order. The tag is random, so no command's output can fake it.
 */
async function runBatch(run: TmuxRunner, batch: Queued[]): Promise<void> {
  const tag = `mam-batch-${randomBytes(8).toString('hex')}`;
  const lines = batch.map((q, i) =>
    [['display-message', '-p', `${tag} ${i}`], q.command, ['display-message', '-p', `${tag} ${i} ok`]]
      .map(commandLine)
      .join(' ; '),
  );
  const result = await run([['source-file', '-']], `${lines.join('\n')}\n`);
  const outputs: string[][] = batch.map(() => []);
  const began = new Set<number>();
  const ended = new Set<number>();
  let current: number | undefined;
  const printed = result.stdout.split('\n');
  if (printed.at(-1) === '') printed.pop(); // what follows the last line break is no line
  for (const line of printed) {
    if (line.startsWith(`${tag} `)) {
      const [index, ok] = line.slice(tag.length + 1).split(' ');
      (ok === 'ok' ? ended : began).add(Number(index));
      current = ok === 'ok' ? undefined : Number(index);
    } else if (current !== undefined) {
      outputs[current]!.push(line);
    }
  }
  // tmux reports each failed command on a line of stderr, in order. Should the lines not
  // pair up with the failures (tmux not reached at all), each failure gets all of it.
  const failed = batch.map((_, i) => i).filter((i) => !ended.has(i));
  const errors = result.stderr.split('\n').filter((line) => line !== '');
  const paired = errors.length === failed.length && failed.every((i) => began.has(i));
  batch.forEach((q, i) => {
    const stdout = outputs[i]!.map((line) => `${line}\n`).join('');
    if (ended.has(i)) q.resolve({ ok: true, stdout, stderr: '' });
    else q.resolve({ ok: false, stdout, stderr: paired ? `${errors[failed.indexOf(i)]}\n` : result.stderr });
  });
}

/**
 * A runner that gathers single commands (no input, no line break in a word)
 * into batches, one batch at a time; anything else goes straight to `run`.
 */
export function createTmuxBatch(run: TmuxRunner): TmuxRunner {
  let queue: Queued[] = [];
  let draining = false;

  const drain = async (): Promise<void> => {
    for (;;) {
      // One turn of the event loop lets the rest of a burst (and what the last answers set off) queue up.
      await nextTurn();
      if (queue.length === 0) break;
      const batch = queue;
      queue = [];
      try {
        if (batch.length === 1) batch[0]!.resolve(await run([batch[0]!.command]));
        else await runBatch(run, batch);
      } catch (err) {
        for (const q of batch) q.reject(err);
      }
    }
    draining = false;
  };

  return (commands, input) => {
    const command = commands.length === 1 && input === undefined ? commands[0]! : undefined;
    if (!command || command.some((word) => /[\n\r]/.test(word))) return run(commands, input);
    return new Promise((resolve, reject) => {
      queue.push({ command, resolve, reject });
      if (draining) return;
      draining = true;
      void drain();
    });
  };
}
