/**
 * The error a CLI drew on its screen, read back from the job's session log as
 * tmux's pipe-pane wrote it (escapes and all), for Gemini CLI's failed-turn
 * reason.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastScreenError } from '../../agents/hooks/session-error.js';

const dir = mkdtempSync(join(tmpdir(), 'mam-screen-error-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the error a CLI showed', () => {
  it('is the last error line of the session log (Gemini CLI 0.61.0 after a failed model call)', () => {
    writeFileSync(
      join(dir, 'session.log'),
      [
        '\x1b[2K\x1b[1A\x1b[2K\x1b[G > write hello to result.txt\r\n',
        '\x1b[31m✕\x1b[39m\x1b[1C[API\x1b[1CError:\x1b[1Cexception\x1b[1CTypeError:\x1b[1Cfetch\x1b[1Cfailed\x1b[1Csending\x1b[1Crequest]\r\n',
        'ℹ This request failed. Press F12 for diagnostics\r\n',
        ' >   Type your message or @path/to/file\r\n',
      ].join(''),
    );
    expect(lastScreenError(dir)).toBe('[API Error: exception TypeError: fetch failed sending request]');
  });

  it('is nothing without a log or without an error in it', () => {
    expect(lastScreenError(join(dir, 'missing'))).toBeUndefined();
    expect(lastScreenError(undefined)).toBeUndefined();
    writeFileSync(join(dir, 'session.log'), ' >   Type your message\r\n');
    expect(lastScreenError(dir)).toBeUndefined();
  });
});
