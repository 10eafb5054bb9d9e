/**
 * A host for agent tests: a workspace with the given agents configured, the
 * real TLS broker, and the real host daemon (reconciler + sessions) on a
 * private tmux socket, its log lines kept for assertions. `close` ends the
 * daemon, the tmux server and the broker, and removes the workspace.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Context } from '../../core/context.js';
import { createLogger } from '../../core/logger.js';
import { createHostDaemon } from '../../subscriber/host-daemon.js';
import { openRegistry, type Registry } from '../../subscriber/registry/registry.js';
import { makeWorkspace, startBroker, type TestWorkspace } from './workspace.js';

export interface AgentHost {
  tw: TestWorkspace;
  ctx: Context;
  /** the private tmux socket (`tmux -L <socket>`) */
  socket: string;
  /** the daemon's last 500 log lines */
  lines: string[];
  read<T>(fn: (reg: Registry) => T): T;
  close(): Promise<void>;
}

export async function startAgentHost(namespace: string, agents: (tw: TestWorkspace) => Record<string, unknown>): Promise<AgentHost> {
  const socket = `test-${randomBytes(4).toString('hex')}`;
  const lines: string[] = [];
  const tw = await makeWorkspace({ namespace });
  tw.patchConfig({ sessions: { tmuxSocket: socket, killGraceMs: 1500 }, agents: agents(tw) });
  const broker = await startBroker(tw);
  const ctx = tw.context();
  const log = createLogger({ component: 'host', level: 'debug', write: (l) => void (lines.push(l) > 500 && lines.shift()) });
  const daemon = await createHostDaemon(ctx, log, tw.env);
  return {
    tw,
    ctx,
    socket,
    lines,
    read(fn) {
      const reg = openRegistry(ctx.ws.db, { readonly: true });
      try {
        return fn(reg);
      } finally {
        reg.close();
      }
    },
    async close() {
      await daemon.close();
      await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
      rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
      await broker.close();
      tw.cleanup();
    },
  };
}
