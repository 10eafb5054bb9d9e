import { MamError } from '../../core/errors.js';
import type { Adapter } from '../adapter.js';
import { commandAdapter } from './command.js';

/** Every adapter by agent name. */
export const ADAPTERS: Record<string, Adapter> = {
  command: commandAdapter,
};

export function adapterFor(agent: string): Adapter {
  const a = ADAPTERS[agent];
  if (!a) {
    throw new MamError('ADAPTER', `unknown agent "${agent}"`, { hint: `known agents: ${Object.keys(ADAPTERS).join(', ')}` });
  }
  return a;
}
