/**
 * Hermes Agent (`hermes`, Nous Research). Its shell hooks live in the user's
 * profile config.yaml, which mam does not edit; so the prompt carries the
 * reporting commands (agents/hooks/report-instructions.ts), and the session
 * id is reported by the agent from HERMES_SESSION_ID, which Hermes gives the
 * commands it runs. Resume: `hermes --resume <session id>`.
 */
import type { Adapter } from '../adapter.js';
import { withReportInstructions } from '../hooks/report-instructions.js';
import { driveWith } from '../readiness/drive-agent.js';
import type { ScreenSpec } from '../readiness/screen-spec.js';
import { cliLaunch } from './cli-launch.js';

export const HERMES_SCREENS: ScreenSpec = {
  agent: 'hermes',
  // The status bar (" ⚕ <model> │ 12.4K/200K │ …") above the "❯" input line.
  ready: [/⚕ .*│/, /^\s*❯/m],
  // The spinner: "(◕‿◕✿) 🧠 pondering... (2.3s)".
  busy: [/\.\.\. \(\d+(?:\.\d+)?s\)/, /ctrl\+c to interrupt/i],
  dialogs: [],
  blockers: [{ name: 'setup', detect: /hermes setup|No API key|Select a provider/i }],
  inputLine: /^\s*❯\s?(.*?)\s*$/,
  pasteMarker: /\[pasted/i,
};

/** Skipped when the variable is unset, so a missing id costs nothing. */
export const HERMES_SESSION_ID_COMMAND =
  '[ -z "$HERMES_SESSION_ID" ] || mam emit job.started --field agentSessionId="$HERMES_SESSION_ID"';

export const hermesAdapter: Adapter = {
  name: 'hermes',
  launch(job) {
    const resume = job.agentSessionId ? ['--resume', job.agentSessionId] : [];
    return cliLaunch(job, { bin: 'hermes', tail: resume });
  },
  drive: driveWith(HERMES_SCREENS, (job) =>
    withReportInstructions(job.prompt, { sessionIdCommand: HERMES_SESSION_ID_COMMAND }),
  ),
  // Ctrl-D on an empty input line exits.
  exitKeys: ['C-d'],
};
