/**
 * How an agent CLI's hook reaches hook-relay.ts: this node, the compiled
 * relay. The session's PATH then supplies the job's own `mam`.
 */
import { join } from 'node:path';
import { packageRoot } from '../../core/package-root.js';
import { quoteShellWord } from '../backends/tmux-command.js';

export function relayArgv(agent: string, event?: string): string[] {
  const relay = join(packageRoot(), 'dist', 'agents', 'hooks', 'hook-relay.js');
  return [process.execPath, relay, agent, ...(event === undefined ? [] : [event])];
}

/** The relay as one shell command line (hook `command` strings are run by a shell). */
export function relayCommand(agent: string, event: string): string {
  return relayArgv(agent, event).map(quoteShellWord).join(' ');
}
