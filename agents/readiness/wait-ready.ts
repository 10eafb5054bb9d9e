/**
 * The readiness probe (FW-W2): no fixed sleeps. The screen is polled with
 * backoff and classified (screen-spec.ts); a dialog is answered by selecting
 * its wanted option explicitly (menu.ts); the probe ends when the screen is
 * ready, or at the deadline with MamError NOT_READY naming the screen it was
 * stuck on and keeping a capture of it in the job folder.
 */
import { MamError } from '../../core/errors.js';
import type { AdapterSession } from '../adapter.js';
import { type DialogAction, planDialog } from './plan-dialog.js';
import { classifyScreen, describeState, type ScreenSpec, type ScreenState } from './screen-spec.js';
import { createPoller, lastLine, saveStuckScreen } from './screen-watch.js';
import { takesKeys } from './takes-keys.js';

export const DEFAULT_READY_TIMEOUT_MS = 60_000;
/** Keys sent to one dialog before the probe gives up on it: a menu that ignores them. */
const MAX_DIALOG_ACTIONS = 8;
/** A key that left the screen unchanged this long was lost; the probe may act again. */
const KEY_SETTLE_MS = 1000;
/**
 * After an Enter on the wanted option the dialog may stay while the agent acts
 * on it, changed or not (Gemini CLI restarts itself; Claude Code 2.1.328 keeps
 * its trust menu drawn for seconds while it loads): the same dialog is
 * answered again only after this long. An Enter repeated sooner is typed ahead
 * into whatever the agent shows next — a dialog whose default is "No".
 */
export const CONFIRM_SETTLE_MS = 10_000;

export interface ReadyOptions {
  timeoutMs: number;
  jobId: string;
  jobDir: string;
  /** the variables the session has (agents.<name>.env): which key-using dialogs may be answered */
  env?: Readonly<Record<string, string | undefined>>;
  /** how long a ready screen must hold (HOLD_READY_MS) */
  holdMs?: number;
}

/**
 * Ready counts once the screen was seen ready twice this far apart with
 * nothing else between: real CLIs draw their input box a moment before a
 * dialog covers it (Gemini CLI's trust dialog ≈ 0.5 s later).
 */
export const HOLD_READY_MS = 500;

export interface ReadyResult {
  screen: string;
  /** dialogs answered, in order */
  answered: string[];
  ms: number;
  /** when the ready screen that held was first seen (epoch ms) */
  readyAt: number;
}

/**
 * A dialog is acted on only once what it asks for has held this long: a frame read half-drawn can
 * show the marker still on the option it just left, and a second arrow sent for it moves past the
 * wanted option — on a menu that wraps, back onto "No, exit" just as Enter follows.
 */
export const DIALOG_HOLD_MS = 150;

/** Sends what gets the dialog's wanted option picked; false when there was nothing to do yet. */
async function answer(s: AdapterSession, plan: DialogAction): Promise<'confirm' | 'step' | false> {
  if (plan.kind === 'wait') return false;
  // A menu drawn while the terminal is still in line mode would get the keys as echoed text: wait until it reads keys.
  if ((await takesKeys(s)) === false) return false;
  switch (plan.kind) {
    case 'confirm':
    case 'submit':
      await s.backend.sendKeys(s.name, ['Enter']);
      return 'confirm';
    case 'move':
      await s.backend.sendKeys(s.name, plan.keys);
      return 'step';
    case 'number':
      await s.backend.sendText(s.name, plan.text);
      return 'step';
  }
}

export async function waitUntilReady(s: AdapterSession, spec: ScreenSpec, opts: ReadyOptions): Promise<ReadyResult> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  const poller = createPoller(s, opts.jobDir);
  const answered: string[] = [];
  const actions = new Map<string, number>();
  let screen = '';
  let state: ScreenState = { kind: 'starting' };
  const holdMs = opts.holdMs ?? HOLD_READY_MS;
  // When the screen was first seen ready in the current unbroken run of ready screens.
  let readySince: number | undefined;
  // The last key sent to a dialog, and on which screen: the next waits until that key has had its effect.
  let acted: { dialog: string; confirm: boolean; screen: string; at: number } | undefined;
  // What the dialog on screen asks for, and since when it has asked for it (DIALOG_HOLD_MS).
  let held: { wanted: string; since: number } | undefined;
  const settled = (dialog: string): boolean => {
    if (!acted || acted.dialog !== dialog) return true;
    const waited = Date.now() - acted.at;
    if (acted.confirm)
      return waited >= (acted.screen === screen ? (spec.confirmRepeatMs ?? CONFIRM_SETTLE_MS) : CONFIRM_SETTLE_MS);
    return acted.screen !== screen || waited >= KEY_SETTLE_MS;
  };

  const fail = (how: string): MamError => {
    const where = describeState(state);
    const file = saveStuckScreen(opts.jobDir, spec.agent, where, screen);
    return new MamError(
      'NOT_READY',
      `${spec.agent} ${how}: stuck on ${where} ("${lastLine(screen)}"); screen saved in ${file}`,
      {
        hint: `read ${file}, or look at the session with \`mam job attach ${opts.jobId}\`; once it is sorted out, \`mam job resume ${opts.jobId}\``,
      },
    );
  };

  try {
    for (;;) {
      s.signal.throwIfAborted();
      const now = await poller.read();
      if (now === undefined) throw fail('exited before it was ready');
      screen = now;
      state = classifyScreen(screen, spec, opts.env);
      if (state.kind !== 'ready') readySince = undefined;
      else if (readySince === undefined) readySince = Date.now();
      else if (Date.now() - readySince >= holdMs)
        return { screen, answered, ms: Date.now() - started, readyAt: readySince };
      const plan = state.kind === 'dialog' ? planDialog(screen, state.dialog) : undefined;
      const wanted = plan && state.kind === 'dialog' ? `${state.dialog.name} ${JSON.stringify(plan)}` : undefined;
      if (wanted !== held?.wanted) held = wanted ? { wanted, since: Date.now() } : undefined;
      if (state.kind === 'dialog' && plan && settled(state.dialog.name) && Date.now() - held!.since >= DIALOG_HOLD_MS) {
        const name = state.dialog.name;
        const count = (actions.get(name) ?? 0) + 1;
        if (count > MAX_DIALOG_ACTIONS) throw fail(`did not take ${MAX_DIALOG_ACTIONS} answers to a dialog`);
        const did = await answer(s, plan);
        if (did) {
          actions.set(name, count);
          if (did === 'confirm') answered.push(name);
          acted = { dialog: name, confirm: did === 'confirm', screen, at: Date.now() };
          // What the screen asks for next must hold again, even if a half-drawn frame asks the same as before.
          held = undefined;
          poller.sent();
        }
      }
      if (Date.now() >= deadline) throw fail(`was not ready after ${opts.timeoutMs} ms`);
      // While a ready screen or a dialog's plan holds, look again when the hold is up even if nothing is drawn.
      const holdUp = held && held.since + DIALOG_HOLD_MS > Date.now() ? held.since + DIALOG_HOLD_MS : deadline;
      const until = readySince !== undefined ? readySince + holdMs : holdUp;
      await poller.pause(Math.min(deadline, until));
    }
  } finally {
    poller.close();
  }
}
