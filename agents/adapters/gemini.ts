/**
 * Gemini CLI (`gemini`; for Antigravity set agents.gemini.bin to its CLI).
 * Completion, blocking and the session id come from Gemini CLI hooks in a
 * per-job system settings file (agents/hooks/gemini-settings.ts). Resume:
 * `gemini --resume <session id>`.
 */
import type { Adapter } from '../adapter.js';
import { defaultGeminiSystemSettings, GEMINI_SETTINGS_ENV, writeGeminiSettings } from '../hooks/gemini-settings.js';
import { driveWith } from '../readiness/drive-agent.js';
import type { ScreenSpec } from '../readiness/screen-spec.js';
import { cliLaunch } from './cli-launch.js';

export const GEMINI_SCREENS: ScreenSpec = {
  agent: 'gemini',
  // The input box's placeholder.
  ready: [/Type your message or @path\/to\/file/],
  // "⠏ Thinking… (esc to cancel, 3s)"
  busy: [/esc to cancel/i],
  dialogs: [
    // Options "1. Trust folder (<dir>)", "2. Trust parent folder (<parent>)", "3. Don't trust"; trusting restarts the CLI.
    { name: 'trust', detect: /Do you trust (?:the files in )?this folder\?/i, choose: /^Trust folder\b/i },
  ],
  blockers: [{ name: 'login', detect: /How would you like to authenticate|Waiting for auth/i }],
  inputLine: /^[\s│]*>\s+(.*?)[\s│]*$/,
  pasteMarker: /\[Pasted/i,
};

export const geminiAdapter: Adapter = {
  name: 'gemini',
  launch(job) {
    // The machine's own system settings (or the workspace's override of their path) stay in force.
    const base = job.config.env?.[GEMINI_SETTINGS_ENV] ?? defaultGeminiSystemSettings();
    const settings = writeGeminiSettings(job.jobDir, base);
    const resume = job.agentSessionId ? ['--resume', job.agentSessionId] : [];
    return cliLaunch(job, { bin: 'gemini', tail: resume, env: { [GEMINI_SETTINGS_ENV]: settings } });
  },
  drive: driveWith(GEMINI_SCREENS),
  // Ctrl-C twice: "Press Ctrl+C again to exit".
  exitKeys: ['C-c', 'C-c'],
};
