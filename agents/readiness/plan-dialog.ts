/**
 * What answers a dialog on the screen as it is drawn now: a menu's wanted
 * option reached with arrows and confirmed only once marked, or, for a key
 * entry box, Enter only while the screen shows the detected key pre-filled.
 */
import { parseMenu, planChoice, type MenuAction } from './menu.js';
import { lastMatch, type DialogSpec } from './screen-spec.js';

export type DialogAction = MenuAction | { kind: 'submit' };

export function planDialog(screen: string, dialog: DialogSpec): DialogAction {
  if (!dialog.choose) return dialog.submitWhen?.test(screen) ? { kind: 'submit' } : { kind: 'wait' };
  // The newest drawing of the dialog: the pty backend's screen keeps earlier frames above it.
  const at = lastMatch([dialog.detect], screen);
  return planChoice(parseMenu(screen, Math.max(0, at)), dialog.choose);
}
