/**
 * A line-oriented approximation of a terminal screen for the pty backend: it
 * drops escape sequences (CSI, OSC, DCS and friends, also when split across
 * chunks), honours carriage return, backspace, tab, erase-in-line and
 * erase-below, and keeps the last `maxLines` lines. The cursor moves between
 * lines too (up, down, to a row of the last `height` lines): Ink-drawn CLIs
 * (Claude Code, Gemini CLI) redraw a menu by moving up over it, so without
 * that the redrawn option would land below the old frame.
 */

const ESC = '\x1b';
/** An escape sequence longer than this is garbage, not a sequence still arriving. */
const MAX_PENDING = 4096;

export interface ScreenBuffer {
  write(chunk: string): void;
  /** The last `rows` lines, newest last. */
  lines(rows: number): string[];
  /** Whether the program asked for bracketed paste (`CSI ? 2004 h`). */
  readonly bracketedPaste: boolean;
}

/** Length of the escape sequence starting with ESC at `i`, or -1 when it is incomplete. */
function sequenceLength(text: string, i: number): number {
  const next = text[i + 1];
  if (next === undefined) return -1;
  if (next === '[') {
    // CSI: parameter and intermediate bytes 0x20-0x3f, then a final byte 0x40-0x7e.
    for (let j = i + 2; j < text.length; j++) {
      const code = text.charCodeAt(j);
      if (code >= 0x40 && code <= 0x7e) return j - i + 1;
      if (code < 0x20 || code > 0x3f) return j - i; // malformed: drop what we saw
    }
    return -1;
  }
  if (']PX^_'.includes(next)) {
    // OSC, DCS, SOS, PM, APC: a string ended by BEL or ST (ESC \).
    for (let j = i + 2; j < text.length; j++) {
      if (text[j] === '\x07') return j - i + 1;
      if (text[j] === ESC) return j + 1 === text.length ? -1 : j - i + (text[j + 1] === '\\' ? 2 : 0);
    }
    return -1;
  }
  // ESC, intermediates 0x20-0x2f, one final byte 0x30-0x7e (ESC ( B, ESC 7, ESC =).
  let j = i + 1;
  while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
  if (j === text.length) return -1;
  const final = text.charCodeAt(j);
  return final >= 0x30 && final <= 0x7e ? j - i + 1 : 1; // a lone ESC is dropped by itself
}

export function createScreenBuffer(maxLines = 200, height = 40): ScreenBuffer {
  let rows: string[][] = [[]];
  let r = 0;
  let col = 0;
  let pending = '';
  let bracketedPaste = false;

  /** Moves the cursor to line `to`, adding lines below as needed and dropping the oldest past maxLines. */
  const toRow = (to: number): void => {
    r = Math.max(0, to);
    while (rows.length <= r) rows.push([]);
    // maxLines finished lines, and the one being written.
    if (rows.length > maxLines + 1) {
      const drop = rows.length - maxLines - 1;
      rows = rows.slice(drop);
      r -= drop;
    }
  };
  const top = (): number => Math.max(0, rows.length - height);

  const put = (ch: string): void => {
    const line = rows[r]!;
    while (line.length < col) line.push(' ');
    line[col++] = ch;
  };

  const csi = (seq: string): void => {
    const final = seq[seq.length - 1];
    const params = seq.slice(2, -1);
    const n = Number.parseInt(params, 10);
    const line = rows[r]!;
    if (params === '?2004' && (final === 'h' || final === 'l')) bracketedPaste = final === 'h';
    else if (params.startsWith('?')) return;
    else if (final === 'K') {
      if (!(n > 0)) line.length = Math.min(line.length, col);
      else if (n === 1) line.fill(' ', 0, Math.min(col + 1, line.length));
      else rows[r] = [];
    } else if (final === 'J') {
      if (n >= 2) {
        rows = [[]];
        r = 0;
        col = 0;
      } else if (!(n > 0)) {
        line.length = Math.min(line.length, col);
        rows.length = r + 1;
      }
    } else if (final === 'G') col = Math.max(0, (n || 1) - 1);
    else if (final === 'C') col += n || 1;
    else if (final === 'D') col = Math.max(0, col - (n || 1));
    else if (final === 'A') r = Math.max(top(), r - (n || 1));
    else if (final === 'B') toRow(r + (n || 1));
    else if (final === 'E' || final === 'F') {
      toRow(final === 'E' ? r + (n || 1) : Math.max(top(), r - (n || 1)));
      col = 0;
    } else if (final === 'd') toRow(top() + (n || 1) - 1);
    else if (final === 'H' || final === 'f') {
      const [row, column] = params.split(';').map((x) => Number.parseInt(x, 10));
      toRow(top() + (row || 1) - 1);
      col = Math.max(0, (column || 1) - 1);
    }
  };

  return {
    write(chunk) {
      const text = pending + chunk;
      pending = '';
      for (let i = 0; i < text.length; ) {
        const ch = text[i] as string;
        const code = text.charCodeAt(i);
        if (ch === ESC) {
          const len = sequenceLength(text, i);
          if (len < 0) {
            pending = text.length - i <= MAX_PENDING ? text.slice(i) : '';
            return;
          }
          const seq = text.slice(i, i + len);
          if (seq[1] === '[') csi(seq);
          else if (seq === `${ESC}c`) csi(`${ESC}[2J`); // full reset clears the screen
          i += len;
          continue;
        }
        if (ch === '\n') {
          toRow(r + 1);
          col = 0;
        } else if (ch === '\r') col = 0;
        else if (ch === '\b') col = Math.max(0, col - 1);
        else if (ch === '\t') col = (Math.floor(col / 8) + 1) * 8;
        else if (code >= 0x20 && !(code >= 0x7f && code < 0xa0)) put(ch);
        i += 1;
      }
    },
    lines(n) {
      const all = rows.map((l) => l.join(''));
      return all.slice(Math.max(0, all.length - n));
    },
    get bracketedPaste() {
      return bracketedPaste;
    },
  };
}
