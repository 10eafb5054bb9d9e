import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSecretFile } from './secret-file.js';

/**
 * A daemon's running counters, written to .mam/run/<name>-stats.json (0600) every few seconds and
 * at its stop, for the dashboard's /metrics: the broker and the reconciler are other processes,
 * and a file beside their pid files needs no port, login or protocol of its own.
 */
export const daemonStatsFile = (runDir: string, name: string) => join(runDir, `${name}-stats.json`);

export function startStatsWriter(file: string, snapshot: () => object, everyMs = 5000): () => void {
  const write = () => {
    try {
      writeSecretFile(file, JSON.stringify({ pid: process.pid, at: Date.now(), ...snapshot() }));
    } catch {
      // A full disk or a removed run folder costs the metrics a sample, never the daemon its work.
    }
  };
  write();
  const timer = setInterval(write, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    write();
  };
}

/** The latest counters of a daemon, when written within `freshMs` (else it is taken as not running). */
export function readDaemonStats<T extends object>(file: string, freshMs: number): (T & { at: number }) | undefined {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as T & { at: number };
    return Date.now() - s.at <= freshMs ? s : undefined;
  } catch {
    return undefined;
  }
}
