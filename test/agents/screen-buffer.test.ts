import { describe, expect, it } from 'vitest';
import { createScreenBuffer } from '../../agents/backends/screen-buffer.js';

const render = (chunks: string[], rows = 50): string[] => {
  const screen = createScreenBuffer();
  for (const chunk of chunks) screen.write(chunk);
  return screen.lines(rows);
};

describe('screen buffer', () => {
  it('strips colours, cursor and mode sequences', () => {
    expect(render(['\x1b[1;31mred\x1b[0m \x1b[?25lplain\x1b[?25h\r\n'])).toEqual(['red plain', '']);
  });

  it('strips OSC strings ended by BEL or ST, and charset selections', () => {
    expect(render(['\x1b]0;title\x07a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\x1b(Bb'])).toEqual(['alinkb']);
  });

  it('reassembles sequences split across chunks', () => {
    expect(render(['ab\x1b', '[3', '2mc\x1b]0;ti', 'tle\x07d'])).toEqual(['abcd']);
  });

  it('overwrites on carriage return and erases to end of line', () => {
    expect(render(['progress 10%\rprogress 100%\n', 'long line\rshort\x1b[K\n'])).toEqual([
      'progress 100%',
      'short',
      '',
    ]);
  });

  it('handles backspace and tabs', () => {
    expect(render(['abc\b\bX\n', 'a\tb'])).toEqual(['aXc', 'a       b']);
  });

  it('clears on erase-display and keeps only the newest lines', () => {
    expect(render(['old\n\x1b[2Jnew'])).toEqual(['new']);
    const screen = createScreenBuffer(3);
    for (let i = 0; i < 10; i++) screen.write(`line ${i}\n`);
    expect(screen.lines(100)).toEqual(['line 7', 'line 8', 'line 9', '']);
    expect(screen.lines(2)).toEqual(['line 9', '']);
  });

  it('tracks bracketed paste mode', () => {
    const screen = createScreenBuffer();
    expect(screen.bracketedPaste).toBe(false);
    screen.write('\x1b[?20');
    screen.write('04h');
    expect(screen.bracketedPaste).toBe(true);
    screen.write('\x1b[?2004l');
    expect(screen.bracketedPaste).toBe(false);
  });

  it('drops control characters and does not hang on garbage', () => {
    expect(render(['a\x00\x07\x7fb\x1b\x01c'])).toEqual(['abc']);
    expect(render(['\x1b]' + 'x'.repeat(10_000), 'after'])).toEqual(['after']);
  });
});

describe('screen buffer: cursor moves between lines', () => {
  it('an Ink redraw that moves up over a menu replaces the old frame (Claude Code 2.1.328 trust menu)', () => {
    const frame = ' ❯ No, exit\r\n   Yes, I trust this folder\r\n\r\n Enter to confirm · Esc to cancel\r\n';
    // After Down, Ink erases its lines going up (CSI 2K, CSI 1A …) and redraws.
    const redraw =
      '\x1b[2K\x1b[1A'.repeat(4) +
      '\x1b[2K\x1b[G   No, exit\r\n ❯ Yes, I trust this folder\r\n\r\n Enter to confirm · Esc to cancel\r\n';
    expect(render([frame, redraw])).toEqual([
      '   No, exit',
      ' ❯ Yes, I trust this folder',
      '',
      ' Enter to confirm · Esc to cancel',
      '',
    ]);
  });

  it('positions the cursor on a row of the last `height` lines (CSI H), keeping the spaces it skips (CSI C)', () => {
    const screen = createScreenBuffer(200, 3);
    screen.write('one\r\ntwo\r\nthree\r\nfour');
    screen.write('\x1b[1;1HTWO\x1b[3;1HFOUR\x1b[1CAccessing\x1b[1Cworkspace:');
    expect(screen.lines(3)).toEqual(['TWO', 'three', 'FOUR Accessing workspace:']);
  });

  it('erases below the cursor (CSI J)', () => {
    expect(render(['a\r\nb\r\nc\x1b[2A\r\x1b[J', 'x'])).toEqual(['x']);
  });
});
