import type { ServerResponse } from 'node:http';
import type { Logger } from '../../core/logger.js';
import type { Registry } from '../../subscriber/registry/registry.js';
import { startStream } from './http-kit.js';

/**
 * Server-Sent Events from the registry: each committed event goes out once with its row id as the
 * SSE id, so a browser that reconnects with Last-Event-ID gets exactly what it missed. A job
 * change no event carries (a launch, a sweep's verdict) goes out as a `board` message. The registry
 * is read once per tick for everyone, whatever the number of pages open.
 */
export function createLive(reg: () => Registry, log: Logger, tickMs = 200) {
  const clients = new Set<ServerResponse>();
  let lastId = reg().lastEventId();
  let lastUpdate = reg().lastJobUpdate();
  const write = (res: ServerResponse, chunk: string) => {
    if (!res.writableEnded) res.write(chunk);
  };
  const eventChunk = (e: ReturnType<Registry['eventsSince']>[number]) =>
    `id: ${e.id}\nevent: job\ndata: ${JSON.stringify({ job: e.job, type: e.type, state: e.state_after, sender: e.sender })}\n\n`;
  const tick = () => {
    try {
      const r = reg();
      let fresh = r.eventsSince(lastId);
      while (fresh.length > 0) {
        for (const e of fresh) for (const c of clients) write(c, eventChunk(e));
        lastId = fresh[fresh.length - 1]!.id;
        fresh = r.eventsSince(lastId);
      }
      const at = r.lastJobUpdate();
      if (at !== lastUpdate) {
        lastUpdate = at;
        for (const c of clients) write(c, `event: board\ndata: ${at}\n\n`);
      }
    } catch (err) {
      log.warn('dashboard could not read the registry', { error: (err as Error).message });
    }
  };
  const timer = setInterval(tick, tickMs);
  // Keeps proxies and the browser from closing an idle stream.
  const ping = setInterval(() => {
    for (const c of clients) write(c, ': ping\n\n');
  }, 15_000);
  return {
    /** Opens a stream; a Last-Event-ID first replays every event after it. */
    attach(res: ServerResponse, lastEventId: string | undefined) {
      startStream(res);
      res.write('retry: 1000\n\n');
      const from = Number(lastEventId);
      if (lastEventId !== undefined && Number.isSafeInteger(from) && from >= 0 && from < lastId) {
        let after = from;
        for (let rows = reg().eventsSince(after); rows.length > 0 && after < lastId; rows = reg().eventsSince(after)) {
          for (const e of rows) if (e.id <= lastId) write(res, eventChunk(e));
          after = rows[rows.length - 1]!.id;
        }
      }
      clients.add(res);
      res.on('close', () => clients.delete(res));
    },
    clients: () => clients.size,
    close() {
      clearInterval(timer);
      clearInterval(ping);
      for (const c of clients) c.end();
      clients.clear();
    },
  };
}
