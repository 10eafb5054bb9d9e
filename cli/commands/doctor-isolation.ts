/**
 * `mam doctor`'s word on agent isolation: the sandbox in force for this
 * workspace's sessions, and how to get one where there is none.
 */
import { ENABLE_HINT, resolveIsolation } from '../../agents/sandbox/isolation.js';
import type { Context } from '../../core/context.js';
import { isMamError } from '../../core/errors.js';

export interface IsolationCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

export async function isolationCheck(ctx: Context): Promise<IsolationCheck> {
  const pref = ctx.cfg.sessions.isolation;
  try {
    const isolation = await resolveIsolation(pref);
    if (isolation.mode === 'bwrap') {
      return {
        name: 'isolation',
        status: 'ok',
        detail: `agents run in a ${isolation.reason} sandbox (sessions.isolation "${pref}"): .mam/ keys and other jobs' worktrees out of reach`,
      };
    }
    return {
      name: 'isolation',
      status: 'warn',
      detail: `none: ${isolation.reason}; an agent can read anything your user can, keys.json and other jobs' worktrees included`,
      fix:
        pref === 'none'
          ? 'set sessions.isolation to "auto" in .mam/config.json (bubblewrap must be installed)'
          : ENABLE_HINT,
    };
  } catch (err) {
    if (!isMamError(err, 'SANDBOX_UNAVAILABLE')) throw err;
    return { name: 'isolation', status: 'fail', detail: err.message, fix: err.hint };
  }
}
