import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLAUDE_SCREENS } from '../../agents/adapters/claude.js';
import { CODEX_SCREENS } from '../../agents/adapters/codex.js';
import { GEMINI_SCREENS } from '../../agents/adapters/gemini.js';
import { HERMES_SCREENS } from '../../agents/adapters/hermes.js';
import { parseMenu, planChoice } from '../../agents/readiness/menu.js';
import { classifyScreen, inputText } from '../../agents/readiness/screen-spec.js';
import { submitPrompt } from '../../agents/readiness/submit-prompt.js';
import { HOLD_READY_MS, waitUntilReady } from '../../agents/readiness/wait-ready.js';
import { isMamError } from '../../core/errors.js';
import { CLAUDE, CODEX, GEMINI, HERMES } from './recorded-screens.js';
import { scriptedSession } from './scripted-screen.js';

const jobDir = mkdtempSync(join(tmpdir(), 'mam-probe-'));
afterAll(() => rmSync(jobDir, { recursive: true, force: true }));
const ids = { jobId: 'j1', jobDir };

describe('screen classification', () => {
  it.each([
    ['claude starting', CLAUDE_SCREENS, CLAUDE.starting, 'starting'],
    ['claude trust', CLAUDE_SCREENS, CLAUDE.trustNo, 'dialog:trust'],
    ['claude bypass warning', CLAUDE_SCREENS, CLAUDE.bypass, 'dialog:bypass-permissions'],
    ['claude ready', CLAUDE_SCREENS, CLAUDE.ready, 'ready'],
    ['claude busy (spinner above the input box)', CLAUDE_SCREENS, CLAUDE.busy, 'busy'],
    ['claude login', CLAUDE_SCREENS, CLAUDE.login, 'blocker:login'],
    ['gemini trust', GEMINI_SCREENS, GEMINI.trust, 'dialog:trust'],
    ['gemini ready', GEMINI_SCREENS, GEMINI.ready, 'ready'],
    ['gemini busy', GEMINI_SCREENS, GEMINI.busy, 'busy'],
    ['gemini login', GEMINI_SCREENS, GEMINI.login, 'blocker:login'],
    ['codex trust', CODEX_SCREENS, CODEX.trust, 'dialog:trust'],
    ['codex ready', CODEX_SCREENS, CODEX.ready, 'ready'],
    ['codex busy', CODEX_SCREENS, CODEX.busy, 'busy'],
    ['hermes ready', HERMES_SCREENS, HERMES.ready, 'ready'],
    ['hermes busy', HERMES_SCREENS, HERMES.busy, 'busy'],
    ['hermes setup', HERMES_SCREENS, HERMES.setup, 'blocker:setup'],
  ])('%s', (_what, spec, screen, expected) => {
    const s = classifyScreen(screen, spec);
    const name = s.kind === 'dialog' ? `dialog:${s.dialog.name}` : s.kind === 'blocker' ? `blocker:${s.name}` : s.kind;
    expect(name).toBe(expected);
  });

  it('reads the live input line, not the echoed prompt above it', () => {
    expect(inputText(CLAUDE.typed, CLAUDE_SCREENS)).toBe('fix the flaky test in foo.spec.ts');
    expect(inputText(CLAUDE.busy, CLAUDE_SCREENS)).toBe('');
    expect(inputText(CODEX.busy, CODEX_SCREENS)).toBe('Ask Codex to do anything');
  });
});

describe('menus', () => {
  it('finds the options and the pre-selected one', () => {
    expect(parseMenu(CLAUDE.trustNo)).toEqual([
      { number: 1, label: 'Yes, proceed', selected: false },
      { number: 2, label: 'No, exit', selected: true },
    ]);
    expect(parseMenu(GEMINI.trust).map((o) => o.selected)).toEqual([false, false, true]);
  });

  it('moves to the wanted option before confirming, and confirms only when it is marked', () => {
    expect(planChoice(parseMenu(CLAUDE.trustNo), /^Yes\b/)).toEqual({ kind: 'move', keys: ['Up'] });
    expect(planChoice(parseMenu(GEMINI.trust), /^Trust folder/)).toEqual({ kind: 'move', keys: ['Up', 'Up'] });
    expect(planChoice(parseMenu(CLAUDE.bypass), /^Yes, I accept/)).toEqual({ kind: 'move', keys: ['Down'] });
    expect(
      planChoice(parseMenu(CLAUDE.trustNo.replace('  1. Yes', '❯ 1. Yes').replace('❯ 2. No', '  2. No')), /^Yes\b/),
    ).toEqual({ kind: 'confirm' });
    // No marker to steer by: the option's own number.
    expect(planChoice(parseMenu(CLAUDE.trustNo.replace('❯ 2.', '  2.')), /^Yes\b/)).toEqual({
      kind: 'number',
      text: '1',
    });
    expect(planChoice(parseMenu('nothing here'), /^Yes/)).toEqual({ kind: 'wait' });
  });
});

describe('readiness probe', () => {
  it('answers a trust dialog whose pre-selected option is "No, exit" by moving to Yes first', async () => {
    const s = scriptedSession(
      {
        starting: { text: CLAUDE.starting, after: { ms: 120, to: 'trustNo' } },
        trustNo: { text: CLAUDE.trustNo, on: { Up: 'trustYes', Enter: 'gone' } },
        trustYes: {
          text: CLAUDE.trustNo.replace('  1. Yes', '❯ 1. Yes').replace('❯ 2. No', '  2. No'),
          on: { Enter: 'ready', Down: 'trustNo' },
        },
        ready: { text: CLAUDE.ready },
      },
      'starting',
    );
    const r = await waitUntilReady(s.session, CLAUDE_SCREENS, { ...ids, timeoutMs: 5000 });
    expect(r.answered).toEqual(['trust']);
    expect(s.sent).toEqual(['Up', 'Enter']);
    expect(s.current()).toBe('ready');
  });

  it('does not answer again while the answered dialog stays up (Gemini CLI restarting after trust)', async () => {
    const marked = GEMINI.trust.replace('  1. Trust folder', '● 1. Trust folder').replace("● 3. Don't", "  3. Don't");
    const s = scriptedSession(
      {
        trust: { text: GEMINI.trust, on: { Up: 'trust2' } },
        trust2: {
          text: GEMINI.trust.replace('  2. Trust parent', '● 2. Trust parent').replace("● 3. Don't", "  3. Don't"),
          on: { Up: 'trust1' },
        },
        trust1: { text: marked, on: { Enter: 'restarting' } },
        restarting: {
          text: `${marked}\n Gemini CLI is restarting to apply the trust changes...`,
          after: { ms: 400, to: 'ready' },
          on: { Enter: 'gone' },
        },
        ready: { text: GEMINI.ready },
      },
      'trust',
    );
    const r = await waitUntilReady(s.session, GEMINI_SCREENS, { ...ids, timeoutMs: 5000 });
    expect(r.answered).toEqual(['trust']);
    expect(s.sent).toEqual(['Up', 'Up', 'Enter']);
  });

  it('polls with backoff, not a fixed sleep: ready is seen soon after it appears, with few reads', async () => {
    const s = scriptedSession(
      { starting: { text: CLAUDE.starting, after: { ms: 600, to: 'ready' } }, ready: { text: CLAUDE.ready } },
      'starting',
    );
    const r = await waitUntilReady(s.session, CLAUDE_SCREENS, { ...ids, timeoutMs: 5000 });
    // Ready counts once it has held for HOLD_READY_MS.
    expect(r.ms).toBeGreaterThanOrEqual(600 + HOLD_READY_MS);
    expect(r.ms).toBeLessThan(600 + HOLD_READY_MS + 500 + 100);
    expect(s.reads()).toBeLessThan(20);
  });

  it('times out with NOT_READY naming the screen it is stuck on, and keeps the screen', async () => {
    const s = scriptedSession({ login: { text: CLAUDE.login } }, 'login');
    const err = await waitUntilReady(s.session, CLAUDE_SCREENS, { ...ids, timeoutMs: 400 }).catch((e: unknown) => e);
    expect(isMamError(err, 'NOT_READY')).toBe(true);
    expect((err as Error).message).toContain('the "login" screen');
    const file = join(jobDir, 'stuck-screen.txt');
    expect((err as Error).message).toContain(file);
    expect(readFileSync(file, 'utf8')).toContain('Select login method');
  });

  it('says so when the agent exits before it is ready', async () => {
    const s = scriptedSession({ starting: { text: CLAUDE.starting, after: { ms: 50, to: 'gone' } } }, 'starting');
    const err = await waitUntilReady(s.session, CLAUDE_SCREENS, { ...ids, timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(isMamError(err, 'NOT_READY')).toBe(true);
    expect((err as Error).message).toMatch(/exited before it was ready/);
  });
});

describe('confirmed submission', () => {
  const enterDropped = {
    ready: { text: CLAUDE.ready, onText: 'typed' },
    typed: { text: CLAUDE.typed, on: { Enter: 'typedAgain' } },
    typedAgain: { text: CLAUDE.typed, on: { Enter: 'busy' } },
    busy: { text: CLAUDE.busy },
  };

  it('retries an Enter the agent dropped and confirms by the busy marker', async () => {
    const s = scriptedSession(enterDropped, 'ready');
    const r = await submitPrompt(s.session, CLAUDE_SCREENS, 'fix the flaky test in foo.spec.ts', ids);
    expect(r.enters).toBe(2);
    expect(s.sent).toEqual(['text:fix the flaky test in foo.spec.ts', 'Enter', 'Enter']);
  });

  it('pastes a multi-line prompt and recognises the collapsed paste on the input line', async () => {
    const s = scriptedSession(
      { ready: { text: CLAUDE.ready, onText: 'pasted' }, pasted: { text: CLAUDE.pasted, on: { Enter: 'ready' } } },
      'ready',
    );
    const r = await submitPrompt(s.session, CLAUDE_SCREENS, 'line one\nline two\nline three', ids);
    // Back to an empty input line counts: the prompt has left it.
    expect(r.enters).toBe(1);
    expect(s.sent[0]).toBe('paste:line one\nline two\nline three');
  });

  it('fails with SUBMIT_FAILED, never success, when no Enter is taken', async () => {
    const s = scriptedSession(
      { ready: { text: CLAUDE.ready, onText: 'typed' }, typed: { text: CLAUDE.typed } },
      'ready',
    );
    const err = await submitPrompt(s.session, CLAUDE_SCREENS, 'fix the flaky test in foo.spec.ts', ids).catch(
      (e: unknown) => e,
    );
    expect(isMamError(err, 'SUBMIT_FAILED')).toBe(true);
    expect(s.sent.filter((k) => k === 'Enter')).toHaveLength(3);
    expect(existsSync(join(jobDir, 'stuck-screen.txt'))).toBe(true);
  });
});
