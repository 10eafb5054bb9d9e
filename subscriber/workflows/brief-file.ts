import { join } from 'node:path';
import type { Context } from '../../core/context.js';
import type { Logger } from '../../core/logger.js';
import { writeSecretFile } from '../../core/secret-file.js';
import { briefText } from '../../core/workflow/brief.js';
import type { Registry } from '../registry/registry.js';
import { readWorktreeMeta } from '../worktrees.js';
import { buildBrief } from './job-brief.js';

/** A job's worktree branch, when it has one. */
export const worktreeBranch = (ctx: Context, job: string) => readWorktreeMeta(ctx.ws, job)?.branch;

/**
 * At a launch: writes the job's brief into its folder (0600, like the prompt), where `mam brief`
 * inside the session reads it (a session has no workspace path and so no registry), and fills
 * `{{brief}}` in the prompt (in a run step's, only where its template said it). A brief that cannot be built never stops the launch.
 */
export function briefAtLaunch(
  ctx: Context,
  reg: Registry,
  job: string,
  prompt: string | undefined,
  spec: { run?: unknown; briefMark?: string },
  log?: Logger,
): { file?: string; prompt?: string } {
  try {
    const b = buildBrief(reg, job, (j) => worktreeBranch(ctx, j));
    if (!b) return { prompt };
    const file = join(ctx.ws.jobDir(job), 'brief.json');
    writeSecretFile(file, JSON.stringify(b));
    // A run step's prompt says where its brief goes with the mark its decision chose: text a
    // predecessor wrote ("{{brief}}" in a summary) has no such mark and stays as written.
    const where = spec.briefMark
      ? new RegExp(`\\{\\{brief:${spec.briefMark}\\}\\}`, 'g')
      : spec.run === undefined
        ? /\{\{\s*brief\s*\}\}/g
        : undefined;
    return { file, prompt: where ? prompt?.replace(where, () => briefText(b)) : prompt };
  } catch (err) {
    log?.warn('no brief for the launch', { job, error: (err as Error).message });
    return { prompt };
  }
}

/** A step job's brief as text for its create to another host; empty when none can be built. */
export function briefForSend(ctx: Context, reg: Registry, job: string): string {
  const b = buildBrief(reg, job, (j) => worktreeBranch(ctx, j));
  return b ? briefText(b) : '';
}
