/**
 * Gemini CLI (`gemini`; for Antigravity set agents.gemini.bin to its CLI).
 * Completion, blocking and the session id come from Gemini CLI hooks in the
 * settings of a per-job GEMINI_CLI_HOME (agents/hooks/gemini-settings.ts). Resume:
 * `gemini --resume <session id>`.
 */
import type { Adapter } from '../adapter.js';
import { GEMINI_HOME_ENV, writeGeminiHome } from '../hooks/gemini-settings.js';
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
    // Options "1. Trust folder (<dir>)", "2. Trust parent folder (<parent>)", "3. Don't trust"; trusting restarts the
    // CLI.
    { name: 'trust', detect: /Do you trust (?:the files in )?this folder\?/i, choose: /^Trust folder\b/i },
    // GEMINI_API_KEY in the session: "1. Sign in with Google" / "● 2. Use Gemini API Key" / "3. Vertex AI" …
    {
      name: 'auth',
      detect: /How would you like to authenticate[\s\S]*Existing API key detected \(GEMINI_API_KEY\)/i,
      choose: /^Use Gemini API Key\b/i,
      needsEnv: 'GEMINI_API_KEY',
    },
    // … then the key box, the detected key pre-filled: "(Press Enter to submit, Esc to cancel …)".
    {
      name: 'api-key',
      detect: /Enter Gemini API Key/i,
      submitWhen: /Existing API key detected \(GEMINI_API_KEY\)/i,
      needsEnv: 'GEMINI_API_KEY',
    },
  ],
  blockers: [{ name: 'login', detect: /How would you like to authenticate|Waiting for auth/i }],
  inputLine: /^[\s│]*>\s+(.*?)[\s│]*$/,
  pasteMarker: /\[Pasted/i,
};

export const geminiAdapter: Adapter = {
  name: 'gemini',
  launch(job) {
    // The user's own Gemini home (or the workspace's GEMINI_CLI_HOME) is what the job's home is made from.
    const home = writeGeminiHome(job.jobDir, job.config.env?.[GEMINI_HOME_ENV] ?? job.config.env?.HOME ?? job.env.HOME);
    const resume = job.agentSessionId ? ['--resume', job.agentSessionId] : [];
    // Trusting the job's workdir up front removes the trust dialog and the restart after it, which
    // swallowed a prompt typed into the input box Gemini draws ≈ 0.5 s before the dialog covers it.
    return cliLaunch(job, {
      bin: 'gemini',
      tail: resume,
      env: { [GEMINI_HOME_ENV]: home, GEMINI_CLI_TRUST_WORKSPACE: 'true' },
    });
  },
  drive: driveWith(GEMINI_SCREENS),
  // Ctrl-C twice: "Press Ctrl+C again to exit".
  exitKeys: ['C-c', 'C-c'],
};
