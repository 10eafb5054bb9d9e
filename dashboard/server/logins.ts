import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Workspace } from '../../core/workspace.js';

export type Role = 'reader' | 'operator';

export interface DashboardSession {
  name: string;
  role: Role;
  /** sent back by the page in a header on every action: a cross-site form cannot know it */
  csrf: string;
  expires: number;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** Where pending login links live: only their hashes, so reading the folder lets no one log in. */
export function loginsDir(ws: Workspace): string {
  return join(ws.dir, 'dashboard', 'logins');
}

/**
 * Makes a one-time login: a random token whose hash is kept 0600 with the role and expiry; the
 * server redeems it once. Written by `mam dashboard --url`, a separate process from the server.
 */
export function issueLogin(ws: Workspace, role: Role, name: string, ttlMs: number): string {
  const token = randomBytes(32).toString('base64url');
  const dir = loginsDir(ws);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, hashOf(token));
  writeFileSync(`${file}.tmp`, JSON.stringify({ role, name, expires: Date.now() + ttlMs }), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return token;
}

/**
 * Redeems a login token: the first caller claims its file by renaming it (atomic, so two
 * browsers racing with one link get one session), then it is gone. Undefined for an unknown,
 * used or expired token.
 */
export function redeemLogin(ws: Workspace, token: string): { role: Role; name: string } | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const file = join(loginsDir(ws), hashOf(token));
  const claimed = `${file}.${randomBytes(6).toString('hex')}.used`;
  try {
    renameSync(file, claimed);
  } catch {
    return undefined;
  }
  try {
    const l = JSON.parse(readFileSync(claimed, 'utf8')) as { role: Role; name: string; expires: number };
    if (l.expires < Date.now() || (l.role !== 'reader' && l.role !== 'operator')) return undefined;
    return { role: l.role, name: String(l.name) };
  } catch {
    return undefined;
  } finally {
    rmSync(claimed, { force: true });
  }
}

/** The server's browser sessions, in memory: a restart logs everyone out, by design. */
export function createSessions(lifetimeMs: number) {
  const byId = new Map<string, DashboardSession>();
  return {
    open(login: { role: Role; name: string }): { id: string; session: DashboardSession } {
      const id = randomBytes(32).toString('base64url');
      const session = { ...login, csrf: randomBytes(24).toString('base64url'), expires: Date.now() + lifetimeMs };
      byId.set(hashOf(id), session);
      return { id, session };
    },
    /** The session a cookie names, looked up by hash so the map's timing says nothing of the id. */
    get(id: string | undefined): DashboardSession | undefined {
      if (!id) return undefined;
      const s = byId.get(hashOf(id));
      if (!s) return undefined;
      if (s.expires < Date.now()) {
        byId.delete(hashOf(id));
        return undefined;
      }
      return s;
    },
  };
}

/** Constant-time check of the CSRF header against the session's token. */
export function csrfMatches(session: DashboardSession, header: string | undefined): boolean {
  if (!header) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(header);
  return a.length === b.length && timingSafeEqual(a, b);
}
