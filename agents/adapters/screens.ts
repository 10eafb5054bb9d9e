import type { ScreenSpec } from '../readiness/screen-spec.js';
import { CLAUDE_SCREENS } from './claude.js';
import { CODEX_SCREENS } from './codex.js';
import { GEMINI_SCREENS } from './gemini.js';
import { HERMES_SCREENS } from './hermes.js';

/** Each interactive adapter's screens, by agent name (recorded-screen tests, the recorder). */
export const ADAPTER_SCREENS: Record<string, ScreenSpec> = {
  claude: CLAUDE_SCREENS,
  gemini: GEMINI_SCREENS,
  codex: CODEX_SCREENS,
  hermes: HERMES_SCREENS,
};
