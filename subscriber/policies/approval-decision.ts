import picomatch from 'picomatch';
import type { JobPolicy } from './job-policy.js';
import { changedPaths } from './changed-paths.js';

/** Paths named in a decision's reason; the full list is recorded with the check. */
const NAMED_PATHS = 10;

export interface ApprovalDecision {
  /** auto: the job is done; human: it waits in review for an operator's PASS */
  decision: 'auto' | 'human';
  detail: string;
  /** risk: the changed paths that made the decision human */
  paths?: string[];
}

/**
 * The changed paths (relative to the repository's top) that match a high-risk glob, themselves or through a folder
 * above them.
 */
export function highRiskPaths(paths: readonly string[], globs: readonly string[]): string[] {
  if (!globs.length) return [];
  const match = picomatch(globs, { dot: true });
  return paths.filter((path) => {
    const parts = path.split('/');
    // src/auth/session.ts is as risky as the folder src/auth that "**/*auth*" names.
    return parts.some((_, i) => match(parts.slice(0, i + 1).join('/')));
  });
}

/**
 * After the gate passed (or with no gate): auto → done; human → a person decides; risk → the
 * job's diff against its base decides: a changed path matching approvals.highRisk needs a
 * person, none → done. Changes that cannot be listed need a person too.
 */
export async function decideApproval(
  approval: JobPolicy['approval'],
  where: { cwd: string; base: string | null | undefined; highRisk: readonly string[] },
): Promise<ApprovalDecision> {
  if (approval === 'auto') return { decision: 'auto', detail: 'approval auto' };
  if (approval === 'human') return { decision: 'human', detail: 'approval human: a person decides' };
  const changed = await changedPaths(where.cwd, where.base);
  if (!changed)
    return {
      decision: 'human',
      detail: `approval risk: the job's changes cannot be listed (no git base to diff ${where.cwd} against): a person decides`,
      paths: [],
    };
  const risky = highRiskPaths(changed, where.highRisk);
  if (!risky.length)
    return { decision: 'auto', detail: `approval risk: ${changed.length} changed path(s), none high-risk`, paths: [] };
  const named =
    risky.slice(0, NAMED_PATHS).join(', ') +
    (risky.length > NAMED_PATHS ? ` and ${risky.length - NAMED_PATHS} more` : '');
  return {
    decision: 'human',
    detail: `approval risk: ${risky.length} of ${changed.length} changed path(s) match approvals.highRisk: ${named}`,
    paths: risky,
  };
}
