/**
 * Numbered option menus as agent CLIs draw them ("❯ 1. Yes, proceed",
 * "● 1. Trust folder", "› 2. No, quit"), and how to reach one option: arrow
 * keys from the marked option, then Enter only once the screen shows the
 * wanted option marked. A bare Enter on whatever is pre-selected is never an
 * answer — that is how a "No, exit" default quits the agent.
 */
import type { Key } from '../session-backend.js';

export interface MenuOption {
  number: number;
  label: string;
  selected: boolean;
}

// Selection markers in use: ❯ (Claude Code), › (Codex), ● (Gemini CLI), and common others.
const OPTION = /^[\s│┃|]*(?:([❯›>●▶→◉*])|[○◯])?\s*(\d{1,2})[.)]\s+(.+?)[\s│┃|]*$/;

/**
 * The first run of consecutively numbered options (1, 2, 3 …) below the line
 * at `fromIndex` of the screen text: numbered lists elsewhere are not the menu.
 */
export function parseMenu(screen: string, fromIndex = 0): MenuOption[] {
  const start = screen.lastIndexOf('\n', fromIndex) + 1;
  const options: MenuOption[] = [];
  for (const line of screen.slice(start).split('\n')) {
    const m = OPTION.exec(line);
    if (!m) {
      if (options.length > 0 && line.trim() !== '') break;
      continue;
    }
    const n = Number(m[2]);
    if (n !== options.length + 1) {
      if (options.length > 0) break;
      if (n !== 1) continue;
    }
    options.push({ number: n, label: m[3]!.trim(), selected: m[1] !== undefined });
  }
  return options;
}

export type MenuAction =
  /** the wanted option is not on screen (yet) */
  | { kind: 'wait' }
  /** the wanted option is marked: Enter picks it */
  | { kind: 'confirm' }
  /** move the marker; look again before anything else */
  | { kind: 'move'; keys: Key[] }
  /** no marker to steer by: the option's own number picks it */
  | { kind: 'number'; text: string };

export function planChoice(options: MenuOption[], choose: RegExp): MenuAction {
  const target = options.find((o) => choose.test(o.label));
  if (!target) return { kind: 'wait' };
  const marked = options.filter((o) => o.selected);
  if (marked.length !== 1) return { kind: 'number', text: String(target.number) };
  const delta = target.number - marked[0]!.number;
  if (delta === 0) return { kind: 'confirm' };
  return { kind: 'move', keys: Array.from({ length: Math.abs(delta) }, () => (delta > 0 ? 'Down' : 'Up')) };
}
