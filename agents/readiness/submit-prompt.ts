/**
 * Confirmed submission: type the prompt (bracketed paste when it has several
 * lines, literal otherwise), press Enter, and believe it only when the screen
 * shows the agent working or the prompt gone from the input line. A lost
 * Enter (a TUI that read the typing as a paste, a redraw that ate the key) is
 * retried a bounded number of times; after that MamError SUBMIT_FAILED — the
 * job is never reported as prompted when it was not.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MamError } from '../../core/errors.js';
import type { AdapterSession } from '../adapter.js';
import { classifyScreen, describeState, inputText, type ScreenSpec } from './screen-spec.js';
import { createPoller, lastLine, saveStuckScreen, watchScreen, type ScreenPoller } from './screen-watch.js';

/** How long each Enter gets to show an effect; three Enters in all. */
export const ENTER_WINDOWS_MS = [300, 1500, 5000] as const;
/** How long a screen without the prompt on its input line must stay the same to prove the submission. */
export const SUBMIT_HOLD_MS = 150;
/** How long the typed text may take to appear on the input line. */
const TYPED_WAIT_MS = 2000;
const FRAGMENT_CHARS = 20;

export interface SubmitOptions {
  jobId: string;
  jobDir: string;
  /** the variables the session has, for classifying key-using dialogs (see ReadyOptions.env) */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface SubmitResult {
  /** Enters it took (1 when none was lost) */
  enters: number;
  ms: number;
}

const squash = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** A piece of the prompt that identifies it on the input line: the start of its first line. */
export function promptFragment(prompt: string): string {
  const first = prompt.split('\n').find((l) => l.trim() !== '') ?? prompt;
  return squash(first).slice(0, FRAGMENT_CHARS);
}

export async function submitPrompt(
  s: AdapterSession,
  spec: ScreenSpec,
  prompt: string,
  opts: SubmitOptions,
): Promise<SubmitResult> {
  // One poller from before the prompt is sent: the agent's answer to it is output it must not miss.
  const poller = createPoller(s, opts.jobDir);
  try {
    return await submitWith(poller, s, spec, prompt, opts);
  } finally {
    poller.close();
  }
}

async function submitWith(
  poller: ScreenPoller,
  s: AdapterSession,
  spec: ScreenSpec,
  prompt: string,
  opts: SubmitOptions,
): Promise<SubmitResult> {
  const started = Date.now();
  const fragment = promptFragment(prompt);
  const onInputLine = (screen: string): boolean => {
    const text = inputText(screen, spec);
    return text !== undefined && (squash(text).includes(fragment) || spec.pasteMarker.test(text));
  };
  const working = (screen: string): boolean => spec.busy.some((p) => p.test(screen));

  // Before the text and before every Enter the screen is classified again: an Enter must never land on a dialog.
  const checkNoDialog = async (): Promise<void> => {
    const now = await poller.read();
    if (now === undefined) throw exited();
    const state = classifyScreen(now, spec, opts.env);
    if (state.kind === 'dialog' || state.kind === 'blocker') {
      throw new MamError(
        'SUBMIT_INTERRUPTED',
        `${spec.agent} showed ${describeState(state)} while its prompt was being submitted`,
      );
    }
  };
  await checkNoDialog();
  await s.backend.sendText(s.name, prompt, { paste: spec.alwaysPaste === true || prompt.includes('\n') });
  poller.sent();
  const typed = await watchScreen(poller, s, TYPED_WAIT_MS, onInputLine);
  // Without having seen the prompt on the input line, only a working agent proves it was sent.
  const submitted = (screen: string): boolean =>
    working(screen) || (typed.hit && inputText(screen, spec) !== undefined && !onInputLine(screen));

  function exited(): MamError {
    return new MamError('SUBMIT_FAILED', `${spec.agent} exited before its prompt was confirmed as submitted`, {
      hint: `see the session log of job ${opts.jobId}`,
    });
  }
  if (typed.gone) throw exited();
  let screen = typed.screen;
  for (const [i, windowMs] of ENTER_WINDOWS_MS.entries()) {
    await checkNoDialog();
    await s.backend.sendKeys(s.name, ['Enter']);
    poller.sent();
    const windowEnd = Date.now() + windowMs;
    let seen = await watchScreen(poller, s, windowMs, submitted);
    // The prompt gone from the input line proves the submission only on a screen that holds: a frame read
    // half-drawn (cleared, the input line's start written, its text not yet) looks just like it.
    while (seen.hit && !working(seen.screen)) {
      await sleep(SUBMIT_HOLD_MS);
      const again = await poller.read();
      if (again === undefined) throw exited();
      // A screen that keeps changing (an animation the spec does not know) is taken once the window is up.
      if (working(again) || (submitted(again) && (again === seen.screen || Date.now() >= windowEnd))) break;
      seen = await watchScreen(poller, s, Math.max(0, windowEnd - Date.now()), submitted);
    }
    if (seen.hit) return { enters: i + 1, ms: Date.now() - started };
    if (seen.gone) throw exited();
    screen = seen.screen;
  }
  const where = typed.hit ? 'the prompt still on the input line' : 'no sign of the typed prompt';
  const file = saveStuckScreen(opts.jobDir, spec.agent, `submission: ${where}`, screen);
  throw new MamError(
    'SUBMIT_FAILED',
    `${spec.agent} did not take its prompt after ${ENTER_WINDOWS_MS.length} Enters: ${where} ("${lastLine(screen)}"); screen saved in ${file}`,
    {
      hint: `look at the session with \`mam job attach ${opts.jobId}\`; submit by hand or \`mam job resume ${opts.jobId}\``,
    },
  );
}
