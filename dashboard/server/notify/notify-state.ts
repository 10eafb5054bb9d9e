import { readFileSync, renameSync } from 'node:fs';
import { writeSecretFile } from '../../../core/secret-file.js';
import type { Logger } from '../../../core/logger.js';
import type { Notification } from './notification.js';

/** Where the notifier is in the registry: an event row id, a job change time (ms), an escalation row id. */
export interface Cursor {
  event: number;
  jobsAt: number;
  escalation: number;
}

/**
 * What survives a restart (.mam/dashboard/notify-state.json, 0600): the cursor, the keys already
 * notified (so nothing is sent twice), and the deliveries not yet done (so nothing is lost).
 */
export interface NotifyState {
  v: 1;
  cursor: Cursor;
  /** notification key → when it was first seen (ms) */
  seen: Record<string, number>;
  pending: Array<{ sink: string; n: Notification }>;
}

/** Keys older than this are forgotten: a job is not notified again for a generation a month old. */
const SEEN_MAX_AGE_MS = 30 * 24 * 3600_000;
const SEEN_MAX = 20_000;

/** The saved state, or undefined on a first start; a damaged file is set aside and said so. */
export function loadNotifyState(path: string, log: Logger): NotifyState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as NotifyState;
    if (s?.v !== 1 || typeof s.cursor?.event !== 'number' || !Array.isArray(s.pending) || typeof s.seen !== 'object') {
      throw new Error('not a notifier state (v1)');
    }
    return s;
  } catch (err) {
    const aside = `${path}.damaged-${Date.now()}`;
    renameSync(path, aside);
    log.error('notifier state unreadable: set aside, starting from the registry as it is now', {
      file: aside,
      error: (err as Error).message,
    });
    return undefined;
  }
}

/** Writes the state atomically, 0600 from its first byte; old and excess keys are dropped first. */
export function saveNotifyState(path: string, s: NotifyState, now = Date.now()): void {
  let keys = Object.entries(s.seen).filter(([, at]) => now - at < SEEN_MAX_AGE_MS);
  if (keys.length > SEEN_MAX) keys = keys.sort((a, b) => a[1] - b[1]).slice(-SEEN_MAX);
  s.seen = Object.fromEntries(keys);
  writeSecretFile(path, JSON.stringify(s));
}
