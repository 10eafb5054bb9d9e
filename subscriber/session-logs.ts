import { StringDecoder } from 'node:string_decoder';
import { fileSize, readRange, rotateLog, sessionLogFile } from '../agents/log-files.js';
import type { Context } from '../core/context.js';
import { sealEnvelope } from '../core/envelope.js';
import type { Logger } from '../core/logger.js';
import { topics } from '../core/topics.js';
import type { ReconcilerCore } from './reconciler.js';
import { createStallReports } from './stall-reports.js';

/** Largest piece of output read into one job.output message (before JSON escaping). */
export const CHUNK_BYTES = 16 * 1024;
// Per job and tick: a flood beyond this is skipped in the live stream (the log keeps it).
const TICK_BYTES = 4 * CHUNK_BYTES;
// A launch tracked this long ago without its session ever showing up has failed.
const PENDING_MS = 60_000;

interface Followed {
  job: string;
  gen: number;
  file: string;
  pos: number;
  decoder: StringDecoder;
  /** when the log last grew, or when following began */
  lastOutput: number;
  seq: number;
  seen: boolean;
  since: number;
}

/**
 * Follows the session logs of this host's live sessions: streams what they
 * print on jobs/<job>/output as signed job.output messages (QoS 0: live
 * output is best effort, session.log is the record), caps each log by
 * copy-then-truncate rotation, and reports sessions that went silent.
 */
export function followSessionLogs(ctx: Context, log: Logger, rec: ReconcilerCore, opts: { tickMs?: number } = {}) {
  const { cfg } = ctx;
  const ns = cfg.namespace;
  const sender = `reconciler@${cfg.host}`;
  const followed = new Map<string, Followed>();
  const stalls = createStallReports(rec, log, cfg.sessions.stalledAfterSeconds);
  let closed = false;

  function entry(job: string, gen: number, now: number): Followed {
    const file = sessionLogFile(ctx.ws.jobDir(job));
    // From the current end: what an earlier generation (or a daemon before a restart) printed is not live.
    return {
      job,
      gen,
      file,
      pos: fileSize(file),
      decoder: new StringDecoder('utf8'),
      lastOutput: now,
      seq: 0,
      seen: false,
      since: now,
    };
  }

  function publish(f: Followed, data: string): void {
    if (data === '' || !rec.client.mqtt.connected) return; // QoS 0 is never queued for a reconnect
    const topic = topics.output(ns, f.job);
    f.seq = Math.max(f.seq + 1, Date.now());
    const payload = sealEnvelope(
      ns,
      topic,
      { v: 1, ns, job: f.job, type: 'job.output', sender, gen: f.gen, seq: f.seq, ts: Date.now(), body: { data } },
      ctx.keyring,
    );
    if (payload.length > cfg.events.maxMessageBytes && data.length > 1) {
      // Escaping (terminal control bytes become \u001b …) can grow a chunk several times over.
      let half = data.length >> 1;
      if (/[\ud800-\udbff]/.test(data[half - 1])) half++;
      publish(f, data.slice(0, half));
      publish(f, data.slice(half));
      return;
    }
    rec.client.publish(topic, payload, { qos: 0 }).catch(() => undefined);
  }

  /** Streams what was appended since the last tick. */
  function pump(f: Followed, now: number): number {
    const size = fileSize(f.file);
    if (size < f.pos) f.pos = 0; // truncated behind our back
    if (size === f.pos) return size;
    f.lastOutput = now;
    if (size - f.pos > TICK_BYTES) {
      const skipped = size - TICK_BYTES - f.pos;
      publish(f, `\r\n[mam: ${skipped} bytes of output skipped in the live stream; all of it is in session.log]\r\n`);
      f.pos += skipped;
      f.decoder = new StringDecoder('utf8');
    }
    while (f.pos < size) {
      const buf = readRange(f.file, f.pos, size, CHUNK_BYTES - 4);
      if (buf.length === 0) break;
      f.pos += buf.length;
      publish(f, f.decoder.write(buf));
    }
    return size;
  }

  function tick(): void {
    // The reconciler closes the registry before the session manager stops us.
    if (closed || !rec.reg.isOpen()) return;
    const now = Date.now();
    const live = new Set<string>();
    for (const s of rec.reg.liveSessions(cfg.host)) {
      live.add(s.job);
      let f = followed.get(s.job);
      if (!f) followed.set(s.job, (f = entry(s.job, s.gen, now)));
      f.gen = s.gen;
      f.seen = true;
      try {
        if (pump(f, now) > cfg.sessions.logMaxBytes) {
          rotateLog(f.file, cfg.sessions.logKeep);
          f.pos = 0;
        }
      } catch (err) {
        log.warn('session log unreadable', { job: s.job, error: (err as Error).message });
      }
      stalls.check(s, f.lastOutput, now);
    }
    for (const [job, f] of followed) {
      if (live.has(job) || (!f.seen && now - f.since < PENDING_MS)) continue;
      // Ended: what it printed last still goes out.
      try {
        pump(f, now);
      } catch {
        // the log went with its job folder
      }
      followed.delete(job);
      stalls.forget(job);
    }
  }

  const timer = setInterval(tick, opts.tickMs ?? 200);
  timer.unref();
  return {
    /** Called before a launch: the new session's output is streamed from the log's current end. */
    track(job: string, gen: number): void {
      followed.set(job, entry(job, gen, Date.now()));
    },
    tick,
    close(): void {
      closed = true;
      clearInterval(timer);
    },
  };
}

export type SessionLogs = ReturnType<typeof followSessionLogs>;
