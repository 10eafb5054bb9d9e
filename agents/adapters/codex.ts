/**
 * OpenAI Codex CLI (`codex`). Codex has one completion signal, its `notify`
 * program, run after every agent turn with a JSON argument that also carries
 * the session ("thread") id; mam sets it per run with `-c notify=[…]`
 * instead of touching ~/.codex/config.toml. Resume: `codex resume <id>`.
 */
import type { Adapter } from '../adapter.js';
import { relayArgv } from '../hooks/relay-command.js';
import { driveWith } from '../readiness/drive-agent.js';
import type { ScreenSpec } from '../readiness/screen-spec.js';
import { cliLaunch } from './cli-launch.js';

export const CODEX_SCREENS: ScreenSpec = {
  agent: 'codex',
  // The footer under the composer once Codex has started: "← for agents · ? for shortcuts". The bare
  // "? for shortcuts" under the logo shows for 0.3–7 s before the login or trust screen replaces it.
  ready: [/for agents · \? for shortcuts/, /⏎ send/],
  // A prompt typed before Codex is up is queued, not sent.
  notReady: [/Waiting for startup/i],
  // "• Working (3s • esc to interrupt)"
  busy: [/esc to interrupt/i],
  dialogs: [
    // 0.169: "Trust this folder? …" "› 1. Trust and continue" / "2. Back to Agent Command Center";
    // older: "Do you trust the contents of this directory?" "1. Yes, continue" / "2. No, quit".
    {
      name: 'trust',
      detect: /Trust this folder\?|Do you trust the contents of this directory\?/i,
      choose: /^(?:Trust and continue|Yes, continue)\b/i,
    },
    // Older versions asked about approvals for a version-controlled folder instead.
    {
      name: 'trust-approvals',
      detect: /allow Codex to work in this folder without asking for approval/i,
      choose: /^Yes\b/i,
    },
    { name: 'update', detect: /Update available!/i, choose: /^Skip$/i },
    // OPENAI_API_KEY in the session: "Sign in another way" → "Use an OpenAI API key" → the detected key, pre-filled.
    // The pre-selected "1. Sign in with ChatGPT" starts a browser sign-in: never a bare Enter here.
    {
      name: 'login-other',
      detect: /Sign in another way[\s\S]*Use an OpenAI API key/i,
      choose: /^Use an OpenAI API key\b/i,
      needsEnv: 'OPENAI_API_KEY',
    },
    {
      name: 'login',
      detect: /Choose how you want to use Codex/i,
      choose: /^Sign in another way\b/i,
      needsEnv: 'OPENAI_API_KEY',
    },
    {
      name: 'api-key',
      detect: /Paste or type your API key below/i,
      submitWhen: /Detected OPENAI_API_KEY environment variable/i,
      needsEnv: 'OPENAI_API_KEY',
    },
  ],
  blockers: [
    { name: 'login', detect: /Sign in with ChatGPT|Provide your own API key|Finish signing in via your browser/i },
  ],
  inputLine: /^\s*[›▌]\s?(.*?)\s*$/,
  pasteMarker: /\[Pasted/i,
  // Codex reads fast typing as a paste burst and turns the Enter after it into a newline.
  alwaysPaste: true,
  // 0.169.0 drops the first Enter on its sign-in screens ("Use an OpenAI API key", the key box): repeat it after 1.5 s.
  confirmRepeatMs: 1500,
};

/** `notify` as a TOML array; JSON string escapes are valid TOML basic strings. */
export function codexNotifyOverride(): string {
  return `notify=[${relayArgv('codex')
    .map((a) => JSON.stringify(a))
    .join(',')}]`;
}

export const codexAdapter: Adapter = {
  name: 'codex',
  launch(job) {
    // -c is a global option: it goes before the `resume` subcommand and applies to it.
    const resume = job.agentSessionId ? ['resume', job.agentSessionId] : [];
    // The updater check at start-up is off: it can put an "Update available!" screen (and a process) in the way.
    return cliLaunch(job, {
      bin: 'codex',
      lead: ['-c', codexNotifyOverride(), '-c', 'check_for_update_on_startup=false', ...resume],
    });
  },
  drive: driveWith(CODEX_SCREENS),
  exitKeys: ['C-c', 'C-c'],
};
