/**
 * Every screen recorded from the pinned real CLIs (test/fixtures/screens/
 * <cli>@<version>/, `npm run record-screens`) is classified, and every menu
 * on it planned, as its expected.json says: after an upgrade, the screens
 * whose shape changed are the ones that fail here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADAPTER_SCREENS } from '../../agents/adapters/screens.js';
import { parseMenu } from '../../agents/readiness/menu.js';
import { planDialog } from '../../agents/readiness/plan-dialog.js';
import { classifyScreen, inputText, type ScreenState } from '../../agents/readiness/screen-spec.js';

const root = join(import.meta.dirname, '..', 'fixtures', 'screens');
// Each CLI's key in its session, as agents.<name>.env gives it.
const ENV = { ANTHROPIC_API_KEY: 'sk-ant-dummy', GEMINI_API_KEY: 'dummy', OPENAI_API_KEY: 'sk-dummy' };

const name = (s: ScreenState): string =>
  s.kind === 'dialog' ? `dialog:${s.dialog.name}` : s.kind === 'blocker' ? `blocker:${s.name}` : s.kind;
const screenOf = (dir: string, file: string): string => readFileSync(join(root, dir, file), 'utf8');

for (const dir of readdirSync(root)) {
  const cli = dir.split('@')[0]!;
  const spec = ADAPTER_SCREENS[cli]!;
  const expected = JSON.parse(readFileSync(join(root, dir, 'expected.json'), 'utf8')) as Record<
    string,
    { state: string; plan?: unknown }
  >;
  const files = readdirSync(join(root, dir)).filter((f) => f.endsWith('.txt'));

  describe(`recorded screens of ${dir}`, () => {
    it('has an expectation for every recorded screen', () => {
      expect(files.sort()).toEqual(Object.keys(expected).sort());
    });

    it.each(files)('%s', (file) => {
      const screen = screenOf(dir, file);
      const state = classifyScreen(screen, spec, ENV);
      expect(name(state)).toBe(expected[file]!.state);
      if (state.kind === 'dialog') expect(planDialog(screen, state.dialog)).toEqual(expected[file]!.plan);
      // A menu's "› 1. Trust and continue" is never read as the input line.
      if (state.kind === 'dialog' && state.dialog.choose) expect(inputText(screen, spec) ?? '').not.toMatch(/^\d\.\s/);
    });
  });
}

describe('menus as the real CLIs draw them', () => {
  it("reads Claude Code's unnumbered menu and its marker", () => {
    expect(parseMenu(screenOf('claude@2.1.328', 'trust-no-preselected.txt'))).toEqual([
      { label: 'No, exit', selected: true },
      { label: 'Yes, I trust this folder', selected: false },
    ]);
  });

  it("skips the description lines between Codex's options", () => {
    expect(
      parseMenu(screenOf('codex@0.169.0', 'login-choice.txt')).map((o) => [o.number, o.label, o.selected]),
    ).toEqual([
      [1, 'Sign in with ChatGPT', true],
      [2, 'Sign in with Device Code', false],
      [3, 'Sign in another way', false],
    ]);
  });

  it("reads a menu inside Gemini CLI's box", () => {
    const screen = screenOf('gemini@0.61.0', 'auth-choice.txt');
    expect(parseMenu(screen, screen.indexOf('How would you like')).map((o) => [o.number, o.label, o.selected])).toEqual(
      [
        [1, 'Sign in with Google', false],
        [2, 'Use Gemini API Key', true],
        [3, 'Vertex AI', false],
      ],
    );
  });

  it("without the CLI's key in the session a key dialog is a login blocker, never answered", () => {
    const s = classifyScreen(screenOf('codex@0.169.0', 'login-choice.txt'), ADAPTER_SCREENS.codex!, {});
    expect(s).toEqual({ kind: 'blocker', name: 'login (no OPENAI_API_KEY in agents.codex.env)' });
    expect(
      name(classifyScreen(screenOf('claude@2.1.328', 'apikey-no-preselected.txt'), ADAPTER_SCREENS.claude!, {})),
    ).toMatch(/^blocker:api-key/);
  });
});
