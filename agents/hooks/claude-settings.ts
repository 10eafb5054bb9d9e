/**
 * Claude Code hooks that report the job from inside the agent. They go in a
 * settings file of the job's own, passed with `claude --settings <file>`,
 * which Claude Code merges with the user, project and local settings: nothing
 * is written into the workdir, where an agent could commit it, and jobs
 * sharing a workdir do not overwrite each other's hooks.
 *
 * Settings format (Claude Code hooks reference): hooks.<Event> is a list of
 * { matcher?, hooks: [{ type: "command", command, timeout? }] }; the command
 * runs in a shell with the session's environment and the event's JSON on stdin.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { relayCommand } from './relay-command.js';

export const CLAUDE_SETTINGS_FILE = 'claude-settings.json';

/**
 * SessionStart reports the session id (resume); Stop — Claude finished its
 * turn — reports done; StopFailure — the turn ended on an API error —
 * failed or blocked; Notification reports blocked when Claude waits for a
 * permission; SubagentStop is a heartbeat (the job is not over).
 */
export const CLAUDE_HOOK_EVENTS = ['SessionStart', 'Stop', 'StopFailure', 'SubagentStop', 'Notification'] as const;

/** Seconds a hook may run: `mam emit` waits for the reconciler's commit, or parks the event in the outbox. */
const HOOK_TIMEOUT_S = 60;

export function claudeHookSettings(): { hooks: Record<string, unknown[]> } {
  const hooks: Record<string, unknown[]> = {};
  for (const event of CLAUDE_HOOK_EVENTS) {
    hooks[event] = [{ hooks: [{ type: 'command', command: relayCommand('claude', event), timeout: HOOK_TIMEOUT_S }] }];
  }
  return { hooks };
}

/** Writes the job's Claude Code settings file and returns its path. */
export function writeClaudeSettings(jobDir: string): string {
  const file = join(jobDir, CLAUDE_SETTINGS_FILE);
  writeFileSync(file, JSON.stringify(claudeHookSettings(), null, 2) + '\n', { mode: 0o600 });
  return file;
}
