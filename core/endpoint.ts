import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brokerUrl, type Config } from './config.js';
import { MamError } from './errors.js';
import type { Workspace } from './workspace.js';

/** Where a running embedded broker says it listens (written by `mam broker`, removed on exit). */
export function brokerRunFile(ws: Workspace): string {
  return join(ws.runDir, 'broker.json');
}

/**
 * The broker URL and pinned CA for this workspace: an explicit broker.url wins;
 * else the address a running embedded broker recorded (it may have bound port 0);
 * else the configured bind address and port.
 */
export function resolveEndpoint(ws: Workspace, cfg: Config): { url: string; ca: Buffer } {
  let url = brokerUrl(cfg);
  if (!cfg.broker.url && !cfg.broker.urls && existsSync(brokerRunFile(ws))) {
    try {
      url = (JSON.parse(readFileSync(brokerRunFile(ws), 'utf8')) as { url: string }).url ?? url;
    } catch {
      // a torn run file: fall back to the configured address
    }
  }
  const caFile = cfg.broker.caFile ? resolve(ws.root, cfg.broker.caFile) : ws.caCert;
  let ca: Buffer;
  try {
    ca = readFileSync(caFile);
  } catch (err) {
    throw new MamError('CONFIG_INVALID', `cannot read the broker CA ${caFile}`, {
      hint: cfg.broker.caFile ? 'fix broker.caFile in .mam/config.json' : 'run `mam init`',
      cause: err,
    });
  }
  return { url, ca };
}
