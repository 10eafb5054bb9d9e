/**
 * Ready must hold, and no Enter lands on a dialog: the races the real CLIs
 * showed, replayed with their recorded screens (test/fixtures/screens) in a
 * scripted session — Gemini CLI's input box drawn ≈ 0.5 s before its trust
 * dialog covers it, Codex's login menu drawn over a prompt being submitted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLAUDE_SCREENS } from '../../agents/adapters/claude.js';
import { codexAdapter, CODEX_SCREENS } from '../../agents/adapters/codex.js';
import { GEMINI_SCREENS } from '../../agents/adapters/gemini.js';
import { waitUntilReady } from '../../agents/readiness/wait-ready.js';
import { scriptedSession } from './scripted-screen.js';

const jobDir = mkdtempSync(join(tmpdir(), 'mam-hold-'));
afterAll(() => rmSync(jobDir, { recursive: true, force: true }));
const ids = { jobId: 'j1', jobDir };
const real = (dir: string, file: string): string =>
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'screens', dir, file), 'utf8');

describe('ready must hold', () => {
  it('a ready screen covered by a dialog 0.4 s later is not ready: the dialog is answered first', async () => {
    const s = scriptedSession(
      {
        early: { text: real('gemini@0.61.0', 'ready-before-trust-dialog.txt'), after: { ms: 400, to: 'trust' } },
        trust: { text: real('gemini@0.61.0', 'trust.txt'), on: { Enter: 'ready' } },
        ready: { text: real('gemini@0.61.0', 'ready.txt') },
      },
      'early',
    );
    const r = await waitUntilReady(s.session, GEMINI_SCREENS, { ...ids, timeoutMs: 5000 });
    expect(r.answered).toEqual(['trust']);
    expect(s.sent).toEqual(['Enter']);
  });
});

describe('one Enter per answer', () => {
  it('a dialog still drawn seconds after its Enter (Claude Code loading) gets no second Enter', async () => {
    const trust = real('claude@2.1.328', 'trust-yes-marked.txt');
    const s = scriptedSession(
      {
        trust: { text: trust, on: { Enter: 'loading' } },
        // The same screen while Claude Code loads; a second Enter would be typed ahead into what comes next.
        loading: { text: trust, after: { ms: 2500, to: 'ready' } },
        ready: { text: real('claude@2.1.328', 'ready.txt') },
      },
      'trust',
    );
    const r = await waitUntilReady(s.session, CLAUDE_SCREENS, { ...ids, timeoutMs: 8000 });
    expect(s.sent).toEqual(['Enter']);
    expect(r.answered).toEqual(['trust']);
  });
});

describe('no Enter on a dialog during submission', () => {
  it('a login menu drawn over the composer sends the drive back to the probe, which picks the API key path', async () => {
    const other = real('codex@0.169.0', 'login-another-way.txt');
    const s = scriptedSession(
      {
        // The composer shows briefly, then the login menu replaces it while the prompt is being typed.
        composer: {
          text: real('codex@0.169.0', 'ready-after-submit.txt').replace('› write hello to result.txt\n', ''),
          onText: 'login',
        },
        login: { text: real('codex@0.169.0', 'login-choice.txt'), on: { Down: 'login2' } },
        login2: {
          text: real('codex@0.169.0', 'login-choice.txt')
            .replace('> 1. Sign', '  1. Sign')
            .replace('  2. Sign', '> 2. Sign'),
          on: { Down: 'login3', Up: 'login' },
        },
        login3: {
          text: real('codex@0.169.0', 'login-choice.txt')
            .replace('> 1. Sign', '  1. Sign')
            .replace('  3. Sign', '> 3. Sign'),
          on: { Enter: 'other' },
        },
        other: { text: other, on: { Enter: 'key' } },
        key: { text: real('codex@0.169.0', 'api-key-entry.txt'), on: { Enter: 'ready' } },
        ready: {
          text: real('codex@0.169.0', 'ready-after-submit.txt').replace('› write hello to result.txt\n', ''),
          onText: 'typed',
        },
        typed: {
          text: real('codex@0.169.0', 'ready-after-submit.txt').replace(
            '› Ask Codex to do anything',
            '› fix the flaky test',
          ),
          on: { Enter: 'working' },
        },
        working: { text: real('codex@0.169.0', 'working.txt') },
      },
      'composer',
    );
    const job = {
      id: 'j1',
      gen: 1,
      workdir: jobDir,
      prompt: 'fix the flaky test',
      jobDir,
      env: {},
      config: { env: { OPENAI_API_KEY: 'sk-dummy' }, readyTimeoutMs: 20_000 },
    };
    await codexAdapter.drive!({ ...s.session }, job);
    // Every Enter went to the option the screen showed marked, or to the typed prompt; never to "Sign in with ChatGPT".
    expect(s.sent.filter((k) => !k.startsWith('paste:'))).toEqual(['Down', 'Down', 'Enter', 'Enter', 'Enter', 'Enter']);
    expect(s.current()).toBe('working');
  });

  it('without the key in the session the login menu is a blocker, and nothing is pressed on it', async () => {
    const s = scriptedSession({ login: { text: real('codex@0.169.0', 'login-choice.txt') } }, 'login');
    const err = await waitUntilReady(s.session, CODEX_SCREENS, { ...ids, timeoutMs: 600, env: {} }).catch(
      (e: unknown) => e as Error,
    );
    expect((err as Error).message).toContain('no OPENAI_API_KEY');
    expect(s.sent).toEqual([]);
  });
});
