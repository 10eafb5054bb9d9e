/**
 * What an agent CLI's screen looks like in each state that matters before a
 * prompt is submitted, and the classifier that names the state of a screen.
 * Adapters supply the patterns; the probe (wait-ready.ts) acts on the state.
 */
import { isNumberedOptionText } from './menu.js';

/** A dialog an agent CLI may show before it is ready, and which of its options mam picks. */
export interface DialogSpec {
  name: string;
  detect: RegExp;
  /** the option mam selects, matched against its label ("Yes, proceed"); never the pre-selected one by default */
  choose?: RegExp;
  /**
   * A dialog without options (a key entry box): Enter is pressed only while
   * the screen shows this, e.g. the key the CLI found in its environment
   * pre-filled. Without it on screen the dialog is waited on, then reported.
   */
  submitWhen?: RegExp;
  /**
   * The dialog is answered only when the session has this variable (the
   * CLI's API key, given in agents.<name>.env); otherwise the screen is a
   * blocker of this dialog's name, for a person to sign in.
   */
  needsEnv?: string;
}

export interface ScreenSpec {
  agent: string;
  /** the agent waits for input */
  ready: RegExp[];
  /** the agent is working: a spinner, "esc to interrupt" */
  busy: RegExp[];
  dialogs: DialogSpec[];
  /** screens only a person can get past (login, first-run setup); named so a timeout can say which */
  blockers: Array<{ name: string; detect: RegExp }>;
  /** the prompt's input line; group 1 is the text on it (the last match on screen is the live one) */
  inputLine: RegExp;
  /** how the CLI shows a paste it collapsed ("[Pasted text #1 +12 lines]") */
  pasteMarker: RegExp;
  /** paste even one-line prompts: CLIs that read fast typing as a paste turn its Enter into a newline */
  alwaysPaste?: boolean;
  /**
   * How long a dialog may stay unchanged after the Enter that answered it
   * before that Enter counts as lost and is sent again (default
   * CONFIRM_SETTLE_MS, 10 s): Codex drops the first Enter on its sign-in
   * screens, Claude Code keeps its trust menu drawn for seconds while loading.
   */
  confirmRepeatMs?: number;
  /** screens that look ready but are not: the CLI is still starting ("Waiting for startup") */
  notReady?: RegExp[];
}

export type ScreenState =
  | { kind: 'dialog'; dialog: DialogSpec }
  | { kind: 'blocker'; name: string }
  | { kind: 'busy' }
  | { kind: 'ready' }
  | { kind: 'starting' };

const any = (patterns: RegExp[], screen: string): boolean => patterns.some((p) => p.test(screen));

/**
 * Dialogs first (they overlay a screen that may already look ready), then
 * screens that need a person, then busy before ready: a spinner above an
 * input box means the agent is still working.
 */
/**
 * Where the last match of any pattern starts, -1 for none. The last, because
 * a line-oriented screen (the pty backend's) keeps earlier frames above the
 * newest one.
 */
export function lastMatch(patterns: RegExp[], screen: string): number {
  let at = -1;
  for (const p of patterns) {
    for (const m of screen.matchAll(new RegExp(p.source, p.flags.includes('g') ? p.flags : `${p.flags}g`)))
      at = Math.max(at, m.index);
  }
  return at;
}

/**
 * The dialog drawn last: a dialog's text above a ready input line is one
 * already answered (Gemini CLI redraws below it after its restart), and of
 * several dialogs on screen the lowest is the live one.
 */
function liveDialog(screen: string, spec: ScreenSpec): DialogSpec | undefined {
  const readyAt = lastMatch(spec.ready, screen);
  let live: { dialog: DialogSpec; at: number } | undefined;
  for (const dialog of spec.dialogs) {
    const at = lastMatch([dialog.detect], screen);
    if (at < 0 || at < readyAt) continue;
    if (!live || at > live.at) live = { dialog, at };
  }
  return live?.dialog;
}

export function classifyScreen(
  screen: string,
  spec: ScreenSpec,
  env: Readonly<Record<string, string | undefined>> = {},
): ScreenState {
  const dialog = liveDialog(screen, spec);
  if (dialog && dialog.needsEnv && !env[dialog.needsEnv])
    return { kind: 'blocker', name: `${dialog.name} (no ${dialog.needsEnv} in agents.${spec.agent}.env)` };
  if (dialog) return { kind: 'dialog', dialog };
  const blocker = spec.blockers.find((b) => b.detect.test(screen));
  if (blocker) return { kind: 'blocker', name: blocker.name };
  if (any(spec.busy, screen)) return { kind: 'busy' };
  if (any(spec.notReady ?? [], screen)) return { kind: 'starting' };
  if (any(spec.ready, screen)) return { kind: 'ready' };
  return { kind: 'starting' };
}

/** The state in words, for errors and stuck-screen captures. */
export function describeState(state: ScreenState): string {
  switch (state.kind) {
    case 'dialog':
      return `the "${state.dialog.name}" dialog`;
    case 'blocker':
      return `the "${state.name}" screen`;
    case 'busy':
      return 'a busy screen (working, not taking input)';
    case 'ready':
      return 'the ready screen';
    case 'starting':
      return 'the start-up screen (no ready marker yet)';
  }
}

/** The text on the live input line, or undefined when no input line is on screen. */
export function inputText(screen: string, spec: ScreenSpec): string | undefined {
  let text: string | undefined;
  for (const line of screen.split('\n')) {
    const m = spec.inputLine.exec(line);
    // "› 1. Trust and continue" starts like Codex's input line but is a menu's option.
    if (m && !isNumberedOptionText(m[1] ?? '')) text = (m[1] ?? '').trim();
  }
  return text;
}
