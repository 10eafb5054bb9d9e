import type { ServerResponse } from 'node:http';
import type { Logger } from '../../core/logger.js';
import type { Registry } from '../../subscriber/registry/registry.js';
import { startStream } from './http-kit.js';

type EventHead = ReturnType<Registry['eventsSince']>[number];

/**
 * Server-Sent Events from the registry: each committed event goes out once with its row id as the
 * SSE id, so a browser that reconnects with Last-Event-ID gets exactly what it missed. A job
 * change no event carries (a launch, a sweep's verdict) goes out as a `board` message. The registry
 * is read once per tick for everyone, whatever the number of pages open; a tick runs at once when
 * the broker says a reconciler committed something (wake), and every `tickMs` in case it did not.
 */
export function createLive(reg: () => Registry, log: Logger, tickMs = 1000) {
  const clients = new Set<ServerResponse>();
  let lastId = reg().lastEventId();
  let lastUpdate = reg().lastJobUpdate();
  const write = (res: ServerResponse, chunk: string) => {
    if (!res.writableEnded) res.write(chunk);
  };
  const eventChunk = (r: Registry, e: EventHead) => {
    const j = r.getJob(e.job);
    const data = { id: e.id, job: e.job, type: e.type, sender: e.sender, at: e.received_at, state: e.state_after };
    const row = j ? { host: j.host, agent: j.agent, state: j.state, reason: j.reason, updated_at: j.updated_at } : {};
    return `id: ${e.id}\nevent: job\ndata: ${JSON.stringify({ ...data, row })}\n\n`;
  };
  const tick = () => {
    try {
      const r = reg();
      for (let fresh = r.eventsSince(lastId); fresh.length > 0; fresh = r.eventsSince(lastId)) {
        for (const e of fresh) {
          const chunk = eventChunk(r, e);
          for (const c of clients) write(c, chunk);
        }
        lastId = fresh[fresh.length - 1]!.id;
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
  let pending: NodeJS.Timeout | undefined;
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
        const r = reg();
        let after = from;
        for (let rows = r.eventsSince(after); rows.length > 0 && after < lastId; rows = r.eventsSince(after)) {
          for (const e of rows) if (e.id <= lastId) write(res, eventChunk(r, e));
          after = rows[rows.length - 1]!.id;
        }
      }
      clients.add(res);
      res.on('close', () => clients.delete(res));
    },
    /** Reads the registry now (coalescing cues that arrive together). */
    wake() {
      pending ??= setTimeout(() => {
        pending = undefined;
        tick();
      }, 5);
    },
    /** Sends a message that is not a registry event (a host's status) to every page. */
    broadcast(event: string, data: unknown) {
      const chunk = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      for (const c of clients) write(c, chunk);
    },
    clients: () => clients.size,
    close() {
      clearInterval(timer);
      clearInterval(ping);
      clearTimeout(pending);
      for (const c of clients) c.end();
      clients.clear();
    },
  };
}
