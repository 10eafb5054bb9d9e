/**
 * Gemini CLI hooks that report the job from inside the agent. Gemini CLI has
 * no per-run settings flag; its system settings file
 * (GEMINI_CLI_SYSTEM_SETTINGS_PATH) is skipped unless the file and every
 * folder above it are root-owned and not group/other-writable, and a
 * project's .gemini/settings.json is ignored until the folder is trusted and
 * would sit in the workdir for the agent to commit. What it does honour for
 * any user is GEMINI_CLI_HOME, the folder it takes for the home directory
 * (0.61.0: `homedir()` in its core). So each job gets a home of its own,
 * jobs/<job>/gemini-home/.gemini/: settings.json is the user's own with mam's
 * hooks added to its hook lists, and every other entry of the user's
 * ~/.gemini (credentials, GEMINI.md, extensions, chats) is a symlink to it.
 *
 * Settings format (Gemini CLI hooks reference): hooks.<Event> is a list of
 * { matcher?, hooks: [{ type: "command", command, name?, timeout (ms)? }] };
 * hooksConfig.enabled switches the hook system (on by default since 0.27).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { relayCommand } from './relay-command.js';

export const GEMINI_HOME_DIR = 'gemini-home';
export const GEMINI_HOME_ENV = 'GEMINI_CLI_HOME';

/**
 * SessionStart reports the session id, AfterAgent the turn's end (done, or failed without a response), Notification a
 * tool permission wait.
 */
export const GEMINI_HOOK_EVENTS = ['SessionStart', 'AfterAgent', 'Notification'] as const;

const HOOK_TIMEOUT_MS = 60_000;

function readJsonObject(file: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {}; // no settings of the user's yet (a first run)
  }
}

export function geminiHookSettings(base: Record<string, unknown> = {}): Record<string, unknown> {
  const existing = (base.hooks && typeof base.hooks === 'object' ? base.hooks : {}) as Record<string, unknown>;
  const hooks: Record<string, unknown> = { ...existing };
  for (const event of GEMINI_HOOK_EVENTS) {
    const ours = {
      hooks: [
        { type: 'command', name: `mam-${event}`, command: relayCommand('gemini', event), timeout: HOOK_TIMEOUT_MS },
      ],
    };
    hooks[event] = [...(Array.isArray(existing[event]) ? (existing[event] as unknown[]) : []), ours];
  }
  const hooksConfig = { ...(base.hooksConfig as Record<string, unknown> | undefined), enabled: true };
  // A job's session never updates the CLI under it (Gemini's updater would install mid-job).
  const general = {
    ...(base.general as Record<string, unknown> | undefined),
    enableAutoUpdate: false,
    enableAutoUpdateNotification: false,
  };
  return { ...base, general, hooksConfig, hooks };
}

/**
 * Writes the job's Gemini home from the user's (`userHome`, the folder
 * holding .gemini/) and returns it, for GEMINI_CLI_HOME. Rewritten on every
 * launch, so a resumed job sees the user's current settings.
 */
export function writeGeminiHome(jobDir: string, userHome: string | undefined): string {
  const home = join(jobDir, GEMINI_HOME_DIR);
  const dot = join(home, '.gemini');
  mkdirSync(dot, { recursive: true, mode: 0o700 });
  const userDot = userHome ? join(userHome, '.gemini') : undefined;
  if (userDot && existsSync(userDot)) {
    for (const entry of readdirSync(userDot)) {
      if (entry === 'settings.json') continue;
      const link = join(dot, entry);
      rmSync(link, { force: true, recursive: false });
      try {
        symlinkSync(join(userDot, entry), link);
      } catch {
        // An entry the job's home already holds as a real folder (written by an earlier run): keep it.
      }
    }
  }
  const settings = geminiHookSettings(userDot ? readJsonObject(join(userDot, 'settings.json')) : {});
  writeFileSync(join(dot, 'settings.json'), JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
  return home;
}
