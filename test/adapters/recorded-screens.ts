/**
 * Screens as `tmux capture-pane` shows them, recorded from the fake CLIs
 * (test/fixtures) and laid out like the real ones, for the probe unit tests.
 */

export const CLAUDE = {
  starting: [
    '╭──────────────────────────────────────╮',
    '│ ✻ Welcome to Claude Code!            │',
    '╰──────────────────────────────────────╯',
    '',
    '  Starting…',
  ].join('\n'),
  trustNo: [
    ' Do you trust the files in this folder?',
    '',
    ' /home/dev/project',
    '',
    ' Claude Code may read, write, or execute files contained in this directory. This can pose',
    ' security risks, so only use files from trusted sources.',
    '',
    '  1. Yes, proceed',
    '❯ 2. No, exit',
    '',
    ' Enter to confirm · Esc to exit',
  ].join('\n'),
  ready: [
    '╭───────────╮',
    '│ ✻ Welcome │',
    '╰───────────╯',
    '',
    '╭────────────────╮',
    '│ >',
    '╰────────────────╯',
    '  ? for shortcuts',
  ].join('\n'),
  typed: [
    '╭────────────────╮',
    '│ > fix the flaky test in foo.spec.ts',
    '╰────────────────╯',
    '  ? for shortcuts',
  ].join('\n'),
  pasted: ['╭────────────────╮', '│ > [Pasted text #1 +3 lines]', '╰────────────────╯', '  ? for shortcuts'].join('\n'),
  busy: [
    '> fix the flaky test in foo.spec.ts',
    '',
    '✻ Thinking… (2s · ↑ 12 tokens · esc to interrupt)',
    '╭────────────────╮',
    '│ >',
    '╰────────────────╯',
    '  ? for shortcuts',
  ].join('\n'),
  login: [' Select login method:', '', '❯ 1. Claude account with subscription', '  2. Anthropic Console account'].join(
    '\n',
  ),
  bypass: [' WARNING: Claude Code running in Bypass Permissions mode', '', '❯ 1. No, exit', '  2. Yes, I accept'].join(
    '\n',
  ),
};

export const GEMINI = {
  trust: [
    '╭────────────────────────────────────────────╮',
    '│ Do you trust the files in this folder?',
    '│',
    '│ Trusting a folder allows Gemini CLI to load its local configurations.',
    '  1. Trust folder (project)',
    '  2. Trust parent folder (dev)',
    "● 3. Don't trust",
    '╰────────────────────────────────────────────╯',
  ].join('\n'),
  ready: [
    '╭──────────────╮',
    '│ >   Type your message or @path/to/file',
    '╰──────────────╯',
    '~/project   no sandbox   gemini-2.5-pro',
  ].join('\n'),
  busy: [
    '> explain',
    '⠋ Thinking… (esc to cancel, 1s)',
    '╭──────────────╮',
    '│ >   Type your message or @path/to/file',
    '╰──────────────╯',
  ].join('\n'),
  login: ['│ Get started', '│ How would you like to authenticate for this project?', '│ ● 1. Login with Google'].join(
    '\n',
  ),
};

export const CODEX = {
  trust: [
    '> You are in /home/dev/project',
    '',
    '  Do you trust the contents of this directory? Working with untrusted contents comes with higher',
    '  risk of prompt injection.',
    '',
    '  1. Yes, continue',
    '› 2. No, quit',
    '',
    '  Press enter to continue',
  ].join('\n'),
  ready: [
    '>_ OpenAI Codex',
    '',
    '› Ask Codex to do anything',
    '',
    '  ← for agents · ? for shortcuts                     100% context left',
  ].join('\n'),
  busy: [
    '› fix it',
    '',
    '• Working (3s • esc to interrupt)',
    '',
    '› Ask Codex to do anything',
    '  ← for agents · ? for shortcuts',
  ].join('\n'),
};

export const HERMES = {
  ready: [
    '  HERMES-AGENT',
    '  Session: 20260101_120000_ab12cd',
    ' ⚕ model │ 0/200K │ [░░░░░░░░░░] 0% │ $0.00 │ 0m',
    '❯',
  ].join('\n'),
  busy: ['● fix the bug', '  (◕‿◕✿) 🧠 pondering... (0.1s)', ' ⚕ model │ 0/200K │ 0% │ $0.00 │ 0m', '❯'].join('\n'),
  setup: ['  No API key configured.', '  Run `hermes setup` to choose a provider.'].join('\n'),
};
