import type { Write } from './policy-writes.js';
import type { prepareStatements } from './statements.js';

/** Bytes of a refused message kept for inspection: enough to see what it was, never unbounded. */
export const REJECTION_RAW_MAX = 2048;

/** The registry's writes and reads of the audit trail: verdicts, refusals and sessions (registry.ts). */
export function createLogWrites(q: ReturnType<typeof prepareStatements>, write: Write) {
  return {
    insertVerdict: write(
      (v: {
        job: string;
        sender: string;
        seq: number;
        verdict: string;
        findings: string;
        reviewer: string | null;
        ts: number;
      }) => {
        q.insertVerdict.run(v);
      },
    ),
    insertRejection: write(
      (r: {
        reason: string;
        detail?: string;
        topic: string;
        job?: string;
        sender?: string;
        seq?: number;
        raw?: Buffer;
      }) => {
        const at = Date.now();
        q.countRejection.run({ reason: r.reason, at });
        q.insertRejection.run({
          at,
          reason: r.reason,
          detail: r.detail?.slice(0, 1000) ?? null,
          topic: r.topic.slice(0, 512),
          job: r.job ?? null,
          sender: r.sender ?? null,
          seq: typeof r.seq === 'number' && Number.isSafeInteger(r.seq) ? r.seq : null,
          raw: r.raw ? r.raw.subarray(0, REJECTION_RAW_MAX) : null,
        });
      },
    ),
    recordSession: write(
      (s: {
        job: string;
        gen: number;
        host: string;
        backend: string;
        name: string;
        pid: number | null;
        workdir: string | null;
        git_base: string | null;
      }) => q.insertSession.run({ ...s, now: Date.now() }),
    ),
    endSession: write((job: string, gen: number, reason: string) =>
      q.endSession.run({ job, gen, reason, now: Date.now() }),
    ),
    setAgentSessionId: write((job: string, gen: number, id: string) => {
      q.setAgentSessionId.run(id, job, gen);
    }),
    getSession: (job: string, gen: number) => q.getSession.get(job, gen),
    liveSessions: (host: string) => q.liveSessions.all(host),
  };
}
