/**
 * Claude Code (`claude`). Interactive TUI; completion, blocking and the
 * session id come from its hooks (agents/hooks/claude-settings.ts), passed
 * per job with `--settings <file>`. Resume: `claude --resume <session id>`.
 */
import type { Adapter } from '../adapter.js';
import { writeClaudeSettings } from '../hooks/claude-settings.js';
import { driveWith } from '../readiness/drive-agent.js';
import type { ScreenSpec } from '../readiness/screen-spec.js';
import { cliLaunch } from './cli-launch.js';

export const CLAUDE_SCREENS: ScreenSpec = {
  agent: 'claude',
  // The footer under the input box: "? for shortcuts", "⏵⏵ auto mode on (shift+tab to cycle)", "⏸ manual mode on";
  // or the empty "> " input line of older versions.
  ready: [/\? for shortcuts/, /shift\+tab to cycle/i, /(?:⏵⏵|⏸) \w+ mode on/, /^[\s│]*>\s*[│]?\s*$/m],
  // "✻ Thinking… (3s · ↑ 1.2k tokens · esc to interrupt)"
  busy: [/esc to interrupt/i],
  dialogs: [
    // First run in a folder. 2.1: the unnumbered "❯ No, exit" (pre-selected) / "Yes, I trust this folder";
    // older: "1. Yes, proceed" / "2. No, exit".
    {
      name: 'trust',
      detect: /Do you trust the files in this folder\?|Is this a project you created or one you trust\?/i,
      choose: /^Yes\b/i,
    },
    // With --dangerously-skip-permissions; here "1. No, exit" is the pre-selected option.
    { name: 'bypass-permissions', detect: /Bypass Permissions mode/i, choose: /^Yes, I accept\b/i },
    // ANTHROPIC_API_KEY in the session: "Do you want to use this API key?" "Yes" / "❯ No (recommended)".
    // "No" leaves Claude logged out ("Not logged in · Please run /login").
    {
      name: 'api-key',
      detect: /Detected a custom API key in your environment/i,
      choose: /^Yes$/,
      needsEnv: 'ANTHROPIC_API_KEY',
    },
    // First run on a machine.
    { name: 'theme', detect: /Choose the text style that looks best with your terminal/i, choose: /^Dark mode\b/i },
  ],
  blockers: [{ name: 'login', detect: /Select login method|Invalid API key|Please run \/login|Not logged in/i }],
  inputLine: /^[\s│]*[>❯]\s?(.*?)[\s│]*$/,
  pasteMarker: /\[Pasted text/i,
};

export const claudeAdapter: Adapter = {
  name: 'claude',
  launch(job) {
    const settings = writeClaudeSettings(job.jobDir);
    const resume = job.agentSessionId ? ['--resume', job.agentSessionId] : [];
    // Without DISABLE_AUTOUPDATER Claude Code runs `npm install -g` of a newer version by itself mid-job.
    return cliLaunch(job, {
      bin: 'claude',
      tail: ['--settings', settings, ...resume],
      env: { DISABLE_AUTOUPDATER: '1' },
    });
  },
  drive: driveWith(CLAUDE_SCREENS),
  // Ctrl-C twice: "Press Ctrl-C again to exit".
  exitKeys: ['C-c', 'C-c'],
};
