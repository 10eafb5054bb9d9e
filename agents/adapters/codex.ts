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
  // The footer under the composer.
  ready: [/\? for shortcuts/, /⏎ send/],
  // "• Working (3s • esc to interrupt)"
  busy: [/esc to interrupt/i],
  dialogs: [
    // Current: "1. Yes, continue" / "2. No, quit".
    { name: 'trust', detect: /Do you trust the contents of this directory\?/i, choose: /^Yes, continue\b/i },
    // Older versions asked about approvals for a version-controlled folder instead.
    { name: 'trust-approvals', detect: /allow Codex to work in this folder without asking for approval/i, choose: /^Yes\b/i },
    { name: 'update', detect: /Update available!/i, choose: /^Skip$/i },
  ],
  blockers: [{ name: 'login', detect: /Sign in with ChatGPT|Provide your own API key/i }],
  inputLine: /^\s*[›▌]\s?(.*?)\s*$/,
  pasteMarker: /\[Pasted/i,
  // Codex reads fast typing as a paste burst and turns the Enter after it into a newline.
  alwaysPaste: true,
};

/** `notify` as a TOML array; JSON string escapes are valid TOML basic strings. */
export function codexNotifyOverride(): string {
  return `notify=[${relayArgv('codex').map((a) => JSON.stringify(a)).join(',')}]`;
}

export const codexAdapter: Adapter = {
  name: 'codex',
  launch(job) {
    // -c is a global option: it goes before the `resume` subcommand and applies to it.
    const resume = job.agentSessionId ? ['resume', job.agentSessionId] : [];
    return cliLaunch(job, { bin: 'codex', lead: ['-c', codexNotifyOverride(), ...resume] });
  },
  drive: driveWith(CODEX_SCREENS),
  exitKeys: ['C-c', 'C-c'],
};
