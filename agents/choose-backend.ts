/**
 * Picks the session backend: tmux when it is installed (sessions survive the
 * daemon and can be attached to), node-pty otherwise. The reason string is
 * what `mam doctor` and the daemon's start-up log show.
 */
import { createTmuxBackend } from './backends/tmux-backend.js';
import { createTmuxRunner, inspectTmux, MIN_TMUX, probeTmuxVersion } from './backends/tmux-command.js';
import type { TmuxBackendOptions } from './backends/tmux-backend.js';
import type { SessionBackend } from './session-backend.js';

export type BackendPreference = 'auto' | 'tmux' | 'pty';

export interface ChooseBackendOptions {
  tmux?: TmuxBackendOptions;
}

export interface ChosenBackend {
  backend: SessionBackend;
  /** e.g. "tmux 3.3a found" or "tmux not found; using node-pty". */
  reason: string;
}

async function createPty(reason: string): Promise<ChosenBackend> {
  // Loaded on demand, so hosts that use tmux never load node-pty's native module.
  const { createPtyBackend } = await import('./backends/pty-backend.js');
  return { backend: createPtyBackend(), reason };
}

/**
 * Resolves a backend preference. 'tmux' throws MamError TMUX_MISSING when tmux
 * is absent or too old; 'auto' falls back to node-pty in that case.
 */
export async function chooseBackend(pref: BackendPreference, opts: ChooseBackendOptions = {}): Promise<ChosenBackend> {
  if (pref === 'pty') return createPty('node-pty requested');
  const run = createTmuxRunner(opts.tmux);
  if (pref === 'tmux') {
    const version = await probeTmuxVersion(run);
    return { backend: createTmuxBackend(opts.tmux), reason: `tmux ${version} found` };
  }
  const tmux = await inspectTmux(run);
  if (!tmux.found) return createPty('tmux not found; using node-pty');
  if (!tmux.supported)
    return createPty(`tmux ${tmux.version} is older than ${MIN_TMUX.major}.${MIN_TMUX.minor}; using node-pty`);
  return { backend: createTmuxBackend(opts.tmux), reason: `tmux ${tmux.version} found` };
}
