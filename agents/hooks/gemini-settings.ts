/**
 * Gemini CLI hooks that report the job from inside the agent. Gemini CLI has
 * no per-run settings flag, and it ignores a project's .gemini/settings.json
 * until the folder is trusted; it does read its system settings file from
 * GEMINI_CLI_SYSTEM_SETTINGS_PATH. So each job gets a system settings file of
 * its own: a copy of the machine's (so an administrator's settings still
 * apply) with mam's hooks added to whatever hooks it holds.
 *
 * Settings format (Gemini CLI hooks reference): hooks.<Event> is a list of
 * { matcher?, hooks: [{ type: "command", command, name?, timeout (ms)? }] };
 * hooksConfig.enabled switches the hook system (on by default since 0.27).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { relayCommand } from './relay-command.js';

export const GEMINI_SETTINGS_FILE = 'gemini-system-settings.json';
export const GEMINI_SETTINGS_ENV = 'GEMINI_CLI_SYSTEM_SETTINGS_PATH';

/** SessionStart reports the session id, AfterAgent (the turn's final answer) done, Notification a tool permission wait. */
export const GEMINI_HOOK_EVENTS = ['SessionStart', 'AfterAgent', 'Notification'] as const;

const HOOK_TIMEOUT_MS = 60_000;

/** Where Gemini CLI looks for system settings when the variable is not set. */
export function defaultGeminiSystemSettings(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return '/Library/Application Support/GeminiCli/settings.json';
  if (platform === 'win32') return 'C:\\ProgramData\\gemini-cli\\settings.json';
  return '/etc/gemini-cli/settings.json';
}

function readJsonObject(file: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {}; // no system settings on this machine (the usual case)
  }
}

export function geminiHookSettings(base: Record<string, unknown> = {}): Record<string, unknown> {
  const existing = (base.hooks && typeof base.hooks === 'object' ? base.hooks : {}) as Record<string, unknown>;
  const hooks: Record<string, unknown> = { ...existing };
  for (const event of GEMINI_HOOK_EVENTS) {
    const ours = { hooks: [{ type: 'command', name: `mam-${event}`, command: relayCommand('gemini', event), timeout: HOOK_TIMEOUT_MS }] };
    hooks[event] = [...(Array.isArray(existing[event]) ? (existing[event] as unknown[]) : []), ours];
  }
  const hooksConfig = { ...(base.hooksConfig as Record<string, unknown> | undefined), enabled: true };
  // A job's session never updates the CLI under it (Gemini's updater would install mid-job).
  const general = { ...(base.general as Record<string, unknown> | undefined), enableAutoUpdate: false, enableAutoUpdateNotification: false };
  return { ...base, general, hooksConfig, hooks };
}

/** Writes the job's Gemini system settings (from `basePath`, the machine's file) and returns its path. */
export function writeGeminiSettings(jobDir: string, basePath: string): string {
  const file = join(jobDir, GEMINI_SETTINGS_FILE);
  writeFileSync(file, JSON.stringify(geminiHookSettings(readJsonObject(basePath)), null, 2) + '\n', { mode: 0o600 });
  return file;
}
