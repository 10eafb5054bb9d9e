import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, writeSecretFile } from '../../core/secret-file.js';
import type { Workspace } from '../../core/workspace.js';

/** The bearer token a Prometheus scraper sends for /metrics (`authorization: Bearer …`), 0600. */
export function metricsTokenFile(ws: Workspace): string {
  return join(ws.dir, 'dashboard', 'metrics.token');
}

/** The workspace's metrics token, made on first use. */
export function metricsToken(ws: Workspace): string {
  const file = metricsTokenFile(ws);
  if (!existsSync(file)) {
    ensurePrivateDir(join(ws.dir, 'dashboard'));
    writeSecretFile(file, randomBytes(32).toString('base64url'));
  }
  return readFileSync(file, 'utf8').trim();
}

/** Constant-time check of an Authorization header against the token. */
export function metricsTokenMatches(ws: Workspace, header: string | undefined): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const a = Buffer.from(metricsToken(ws));
  const b = Buffer.from(header.slice('Bearer '.length).trim());
  return a.length === b.length && timingSafeEqual(a, b);
}
