import { logTail, openCursor, plainLines, readSince, rotateLog, sessionLogFile } from '../../agents/log-files.js';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mam-logs-'));
  file = sessionLogFile(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('copy-then-truncate rotation', () => {
  it('shifts older copies, keeps at most logKeep, and leaves the live file empty in place', () => {
    for (const text of ['first\n', 'second\n', 'third\n', 'fourth\n']) {
      writeFileSync(file, text, { flag: 'a' });
      rotateLog(file, 2);
    }
    expect(readFileSync(file, 'utf8')).toBe('');
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('fourth\n');
    expect(readFileSync(`${file}.2`, 'utf8')).toBe('third\n');
    expect(existsSync(`${file}.3`)).toBe(false);
  });

  it('an O_APPEND writer that kept its descriptor writes at the start of the truncated file', async () => {
    const { open } = await import('node:fs/promises');
    const writer = await open(file, 'a');
    await writer.write('old output\n');
    rotateLog(file, 3);
    await writer.write('new output\n');
    await writer.close();
    expect(readFileSync(file, 'utf8')).toBe('new output\n');
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('old output\n');
  });
});

describe('following a log across rotations', () => {
  it('reads the unread end of the rotated copy, then the new file from 0: nothing lost, nothing twice', () => {
    writeFileSync(file, 'a1\n');
    const c = openCursor(file, 0);
    appendFileSync(file, 'a2\n');
    expect(readSince(file, c).toString()).toBe('a2\n');
    appendFileSync(file, 'a3\n');
    rotateLog(file, 3);
    appendFileSync(file, 'b1\n');
    expect(readSince(file, c).toString()).toBe('a3\nb1\n');
    expect(readSince(file, c).toString()).toBe('');
    appendFileSync(file, 'b2\n');
    expect(readSince(file, c).toString()).toBe('b2\n');
  });

  it('catches up across several rotations since its last read: nothing lost, nothing twice', () => {
    writeFileSync(file, 'a1\n');
    rotateLog(file, 5);
    const c = openCursor(file, 0);
    appendFileSync(file, 'b1\n');
    expect(readSince(file, c).toString()).toBe('b1\n');
    appendFileSync(file, 'b2\n');
    rotateLog(file, 5);
    appendFileSync(file, 'c1\n');
    rotateLog(file, 5);
    appendFileSync(file, 'd1\n');
    rotateLog(file, 5);
    appendFileSync(file, 'e1\n');
    expect(readSince(file, c).toString()).toBe('b2\nc1\nd1\ne1\n');
    appendFileSync(file, 'e2\n');
    expect(readSince(file, c).toString()).toBe('e2\n');
  });

  it('opened before the first rotation, catches up across several', () => {
    writeFileSync(file, 'a1\n');
    const c = openCursor(file, 0);
    appendFileSync(file, 'a2\n');
    rotateLog(file, 5);
    appendFileSync(file, 'b1\n');
    rotateLog(file, 5);
    appendFileSync(file, 'c1\n');
    expect(readSince(file, c).toString()).toBe('a2\nb1\nc1\n');
  });

  it('read at every step of a rotation in progress (copies moving down, new copy in place, truncate): nothing twice', () => {
    let read = '';
    const c = openCursor(file, 0);
    writeFileSync(file, 'one\n');
    rotateLog(file, 3);
    writeFileSync(file, 'two\n', { flag: 'a' });
    read += readSince(file, c).toString();
    // rotateLog's steps one by one, a read after each: the copy made aside, .1 moved down (no .1
    // for a moment), the copy renamed into place, then the truncate.
    writeFileSync(file, 'three\n', { flag: 'a' });
    writeFileSync(`${file}.rotating`, readFileSync(file));
    read += readSince(file, c).toString();
    renameSync(`${file}.1`, `${file}.2`);
    read += readSince(file, c).toString();
    renameSync(`${file}.rotating`, `${file}.1`);
    read += readSince(file, c).toString();
    writeFileSync(file, 'four\n', { flag: 'a' }); // between the copy and the truncate: lost with the truncate
    read += readSince(file, c).toString();
    truncateSync(file, 0);
    writeFileSync(file, 'five\n', { flag: 'a' });
    read += readSince(file, c).toString();
    expect(read).toBe('one\ntwo\nthree\nfour\nfive\n');
  });

  it('starts over when the file shrinks without a rotated copy', () => {
    writeFileSync(file, 'long line of old output\n');
    const c = openCursor(file, 0);
    writeFileSync(file, 'new\n');
    expect(readSince(file, c).toString()).toBe('new\n');
  });
});

describe('plain lines for people', () => {
  it('drops terminal escapes and keeps what a carriage return left on the line', () => {
    const screen = '\x1b[1;32mgreen\x1b[0m text\r\n\x1b]0;title\x07spin |\rspin /\rdone   \n\x1b[?2004hok';
    expect(plainLines(screen)).toEqual(['green text', 'done   ', 'ok']);
  });

  it('keeps the spaces a TUI draws by moving the cursor forward (Claude Code 2.1.328: "Accessing workspace:")', () => {
    expect(plainLines(' \x1b[1mAccessing\x1b[1Cworkspace:\x1b[22m\r\n\x1b[3Cindented')).toEqual([
      ' Accessing workspace:',
      '   indented',
    ]);
  });

  it('logTail returns the last lines, reaching into the newest rotated copy when the live file is short', () => {
    writeFileSync(`${file}.1`, Array.from({ length: 30 }, (_, i) => `old ${i}`).join('\n') + '\n');
    writeFileSync(file, 'new 0\r\nnew 1\r\n');
    const tail = logTail(dir, 5);
    expect(tail).toEqual(['old 27', 'old 28', 'old 29', 'new 0', 'new 1']);
    expect(logTail(join(dir, 'nothing-here'), 5)).toEqual([]);
  });
});
