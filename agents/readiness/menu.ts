/**
 * Option menus as agent CLIs draw them, and how to reach one option: arrow
 * keys from the marked option, then Enter only once the screen shows the
 * wanted option marked. A bare Enter on whatever is pre-selected is never an
 * answer — that is how a "No, exit" default quits the agent.
 *
 * Shapes seen on the real CLIs (test/fixtures/screens):
 * - numbered, marker before the number: "› 1. Trust and continue" (Codex),
 *   "● 1. Trust folder (dir)" inside a box (Gemini CLI), "> 1. Sign in with
 *   ChatGPT" followed by an indented description line (Codex login);
 * - unnumbered, the marker alone: "❯ No, exit" / "  Yes, I trust this folder"
 *   (Claude Code), where digits do nothing.
 */
import type { Key } from '../session-backend.js';

export interface MenuOption {
  /** the option's own number, when the menu numbers its options */
  number?: number;
  label: string;
  selected: boolean;
}

// Selection markers in use: ❯ (Claude Code), › and > (Codex), ● (Gemini CLI), and common others.
const MARKERS = '❯›>●▶→◉*';
const NUMBERED = new RegExp(`^(\\s*)(?:([${MARKERS}])|[○◯])?(\\s*)(\\d{1,2})[.)]\\s+(\\S.*?)\\s*$`);
const MARKED = new RegExp(`^(\\s*)[${MARKERS}](\\s+)(\\S.*?)\\s*$`);

/** A screen line without the box it is drawn in ("│ ● 1. Trust folder │"), columns kept. */
function unboxed(line: string): string {
  return line
    .replace(/^(\s*)[│┃|]/, '$1 ')
    .replace(/[│┃|]\s*$/, '')
    .trimEnd();
}

const indent = (line: string): number => line.length - line.trimStart().length;

/**
 * The first run of consecutively numbered options (1, 2, 3 …) below the line
 * at `fromIndex` of the screen text: numbered lists elsewhere are not the menu.
 * Lines indented deeper than the numbers are the options' descriptions.
 */
function parseNumbered(lines: string[]): MenuOption[] {
  const options: MenuOption[] = [];
  let column = -1;
  for (const line of lines) {
    const m = NUMBERED.exec(line);
    const n = m ? Number(m[4]) : NaN;
    if (m && n === options.length + 1) {
      const at = m[1]!.length + (m[2] ? m[2].length : 0) + m[3]!.length;
      if (options.length === 0 || at === column) {
        column = at;
        options.push({ number: n, label: m[5]!, selected: m[2] !== undefined });
        continue;
      }
    }
    if (options.length === 0 || line.trim() === '') continue;
    if (indent(line) > column) continue; // a description under an option
    break;
  }
  return options;
}

/**
 * An unnumbered menu: the first marked line and the lines around it whose
 * text starts in the same column, up to a blank line or text further left.
 */
function parseUnnumbered(lines: string[]): MenuOption[] {
  const at = lines.findIndex((l) => MARKED.test(l));
  if (at < 0) return [];
  const m = MARKED.exec(lines[at]!)!;
  const column = m[1]!.length + 1 + m[2]!.length;
  const option = (line: string): MenuOption | 'skip' | undefined => {
    if (line.trim() === '') return undefined;
    if (indent(line) === column) return { label: line.trim(), selected: false };
    return indent(line) > column ? 'skip' : undefined;
  };
  const options: MenuOption[] = [{ label: m[3]!, selected: true }];
  for (let i = at - 1; i >= 0; i--) {
    const o = option(lines[i]!);
    if (o === undefined) break;
    if (o !== 'skip') options.unshift(o);
  }
  for (let i = at + 1; i < lines.length; i++) {
    const o = option(lines[i]!);
    if (o === undefined) break;
    if (o !== 'skip') options.push(o);
  }
  return options.length > 1 ? options : [];
}

/** The menu below the line at `fromIndex` of the screen text (a dialog's question): numbered first, else unnumbered. */
export function parseMenu(screen: string, fromIndex = 0): MenuOption[] {
  const start = screen.lastIndexOf('\n', fromIndex) + 1;
  const lines = screen.slice(start).split('\n').map(unboxed);
  const numbered = parseNumbered(lines);
  return numbered.length > 0 ? numbered : parseUnnumbered(lines);
}

/** A menu option's line ("› 1. Trust and continue"): never an input line, though it starts like one. */
export function isNumberedOptionText(text: string): boolean {
  return /^\d{1,2}[.)]\s+\S/.test(text.trim());
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
  const target = options.findIndex((o) => choose.test(o.label));
  if (target < 0) return { kind: 'wait' };
  const marked = options.flatMap((o, i) => (o.selected ? [i] : []));
  if (marked.length !== 1) {
    // Without a marker only a number can pick an option; an unnumbered menu is waited on until it draws one.
    const n = options[target]!.number;
    return n === undefined ? { kind: 'wait' } : { kind: 'number', text: String(n) };
  }
  const delta = target - marked[0]!;
  if (delta === 0) return { kind: 'confirm' };
  return { kind: 'move', keys: Array.from({ length: Math.abs(delta) }, () => (delta > 0 ? 'Down' : 'Up')) };
}
