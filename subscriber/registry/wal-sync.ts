import { closeSync, fdatasync, openSync } from 'node:fs';

/**
 * Group commit for a WAL database opened with synchronous=NORMAL: commits
 * land in the WAL file without an fsync each, and `synced(n)` resolves once
 * everything written up to write number n is on disk. One fdatasync of the
 * WAL, on libuv's thread pool, covers every commit made before it started, so
 * the event loop never waits for a commit's sync (SQLite's periodic WAL
 * checkpoint still syncs on this thread) and a burst of commits shares one
 * sync. Callers acknowledge nothing before `synced` resolves: a crash of the
 * machine can then only lose what nobody was told was kept.
 */
export function createWalSync(walPath: string) {
  let fd: number | undefined;
  let done = 0; // writes known to be on disk
  let running = false;
  let closing = false;
  let waiters: Array<{ upTo: number; resolve(): void; reject(err: Error): void }> = [];

  function release() {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  }

  function start(upTo: number) {
    running = true;
    try {
      // The WAL appears with the first write and stays while the writer's connection is open.
      fd ??= openSync(walPath, 'r');
    } catch (err) {
      return finish(upTo, err as Error);
    }
    fdatasync(fd, (err) => finish(upTo, err ?? undefined));
  }

  function finish(upTo: number, err?: Error) {
    running = false;
    if (closing) release();
    const ready = waiters.filter((w) => w.upTo <= upTo);
    waiters = waiters.filter((w) => w.upTo > upTo);
    if (err) {
      for (const w of ready) w.reject(new Error(`syncing ${walPath} failed: ${err.message}`, { cause: err }));
    } else {
      done = Math.max(done, upTo);
      for (const w of ready) w.resolve();
    }
    const next = Math.max(0, ...waiters.map((w) => w.upTo));
    if (next > 0) start(next);
  }

  return {
    /**
     * Resolves when every write up to `upTo` is on disk; rejects when the sync failed (nothing may be acknowledged).
     */
    synced(upTo: number): Promise<void> {
      if (upTo <= done) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.push({ upTo, resolve, reject });
        if (!running) start(upTo);
      });
    },
    /** Closes the WAL's descriptor, after the sync under way if there is one. */
    close() {
      closing = true;
      if (!running) release();
    },
  };
}
