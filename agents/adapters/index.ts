import { MamError } from '../../core/errors.js';
import type { Adapter } from '../adapter.js';
import { claudeAdapter } from './claude.js';
import { codexAdapter } from './codex.js';
import { commandAdapter } from './command.js';
import { geminiAdapter } from './gemini.js';
import { hermesAdapter } from './hermes.js';

/** Every adapter by agent name. */
export const ADAPTERS: Record<string, Adapter> = {
  command: commandAdapter,
  claude: claudeAdapter,
  gemini: geminiAdapter,
  codex: codexAdapter,
  hermes: hermesAdapter,
};

export function adapterFor(agent: string): Adapter {
  const a = ADAPTERS[agent];
  if (!a) {
    throw new MamError('ADAPTER', `unknown agent "${agent}"`, {
      hint: `known agents: ${Object.keys(ADAPTERS).join(', ')}`,
    });
  }
  return a;
}
