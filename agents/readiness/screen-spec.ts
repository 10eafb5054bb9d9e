/**
 * What an agent CLI's screen looks like in each state that matters before a
 * prompt is submitted, and the classifier that names the state of a screen.
 * Adapters supply the patterns; the probe (wait-ready.ts) acts on the state.
 */

/** A dialog an agent CLI may show before it is ready, and which of its options mam picks. */
export interface DialogSpec {
  name: string;
  detect: RegExp;
  /** the option mam selects, matched against its label ("Yes, proceed"); never the pre-selected one by default */
  choose: RegExp;
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
export function classifyScreen(screen: string, spec: ScreenSpec): ScreenState {
  const dialog = spec.dialogs.find((d) => d.detect.test(screen));
  if (dialog) return { kind: 'dialog', dialog };
  const blocker = spec.blockers.find((b) => b.detect.test(screen));
  if (blocker) return { kind: 'blocker', name: blocker.name };
  if (any(spec.busy, screen)) return { kind: 'busy' };
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
    if (m) text = (m[1] ?? '').trim();
  }
  return text;
}
