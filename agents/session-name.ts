/**
 * Session names: `mam-<agent>-<workdir slug>-<8 hex>`. The slug is only for
 * people reading `tmux ls`; the hash of the absolute workdir and the job keeps
 * two checkouts with the same folder name (`/a/src`, `/b/src`) apart.
 */
import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';

const AGENT_SLUG_MAX = 16;
const WORKDIR_SLUG_MAX = 24;

export interface SessionNameParts {
  agent: string;
  workdir: string;
  job: string;
}

/** Lowercase, `[a-z0-9-]` only, no leading/trailing/double dashes, at most `max` chars. */
function slugify(text: string, max: number, fallback: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
  return slug === '' ? fallback : slug;
}

/** Builds the collision-free tmux/pty session name for one job in one workdir. */
export function sessionName({ agent, workdir, job }: SessionNameParts): string {
  const absolute = resolve(workdir);
  // NUL cannot occur in a path, so (workdir, job) pairs cannot collide by concatenation.
  const hash = createHash('sha256').update(`${absolute}\0${job}`).digest('hex').slice(0, 8);
  const dir = slugify(basename(absolute), WORKDIR_SLUG_MAX, 'root');
  return `mam-${slugify(agent, AGENT_SLUG_MAX, 'agent')}-${dir}-${hash}`;
}

const MAM_NAME = /^mam-[a-z0-9]+(?:-[a-z0-9]+)+-[0-9a-f]{8}$/;

/** True for names `sessionName` can produce; lets tooling tell mam's sessions from a user's. */
export function isMamSessionName(name: string): boolean {
  return MAM_NAME.test(name);
}

/**
 * Names a backend accepts. tmux reads '.' and ':' in a target as window/pane
 * separators and silently rewrites them in session names, so they are refused.
 */
export function isValidSessionName(name: string): boolean {
  return /^[A-Za-z0-9_-]{1,128}$/.test(name);
}
