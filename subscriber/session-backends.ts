import { chooseBackend, type BackendPreference } from '../agents/choose-backend.js';
import type { BackendName, SessionBackend } from '../agents/session-backend.js';
import type { Logger } from '../core/logger.js';

/**
 * The host's session backends, created on first use: tmux on the workspace's
 * socket, node-pty owned by this (the reconciler's) process.
 */
export function createSessionBackends(opts: { tmuxSocket: string; log: Logger }) {
  const byName = new Map<BackendName, Promise<SessionBackend>>();
  const chosen = new Map<BackendPreference, Promise<{ backend: SessionBackend; reason: string }>>();
  const get = (name: BackendName): Promise<SessionBackend> => {
    let b = byName.get(name);
    if (!b) {
      b = chooseBackend(name, { tmux: { socket: opts.tmuxSocket } }).then((c) => c.backend);
      byName.set(name, b);
    }
    return b;
  };
  return {
    get,
    /** The backend for a launch preference, and why it was chosen. */
    async choose(pref: BackendPreference): Promise<{ backend: SessionBackend; reason: string }> {
      let c = chosen.get(pref);
      if (!c) {
        c = chooseBackend(pref, { tmux: { socket: opts.tmuxSocket } }).then(async (r) => ({
          backend: await get(r.backend.name),
          reason: r.reason,
        }));
        chosen.set(pref, c);
        void c.then(
          (r) => opts.log.info('session backend', { preference: pref, backend: r.backend.name, reason: r.reason }),
          () => chosen.delete(pref),
        );
      }
      return c;
    },
    /** Backends already in use (drift sweeps look only at these). */
    async active(): Promise<SessionBackend[]> {
      const out: SessionBackend[] = [];
      for (const b of byName.values()) out.push(await b.catch(() => undefined as never));
      return out.filter(Boolean);
    },
    async close(): Promise<void> {
      for (const b of byName.values()) await (await b.catch(() => undefined))?.close();
    },
  };
}

export type SessionBackends = ReturnType<typeof createSessionBackends>;
