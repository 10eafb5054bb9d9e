/**
 * An adapter's `drive`: from launch to a confirmed prompt. Readiness first
 * (dialogs answered on the way), then the prompt, if the job has one — a
 * resume without a new prompt only needs the agent ready.
 */
import type { Adapter, AdapterJob } from '../adapter.js';
import type { ScreenSpec } from './screen-spec.js';
import { submitPrompt } from './submit-prompt.js';
import { DEFAULT_READY_TIMEOUT_MS, waitUntilReady } from './wait-ready.js';

export type Drive = NonNullable<Adapter['drive']>;

/** `promptFor` lets an adapter add its reporting instructions to the job's prompt. */
export function driveWith(spec: ScreenSpec, promptFor: (job: AdapterJob) => string | undefined = (job) => job.prompt): Drive {
  return async (session, job) => {
    const ids = { jobId: job.id, jobDir: job.jobDir };
    // Reads and keys come in bursts from here to the confirmed prompt: one line to the session for all of them.
    const connection = await session.backend.connect?.(session.name);
    const driven = { ...session, connection };
    try {
      await waitUntilReady(driven, spec, { ...ids, timeoutMs: job.config.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS });
      const prompt = job.prompt?.trim() ? promptFor(job) : undefined;
      if (prompt) await submitPrompt(driven, spec, prompt, ids);
    } finally {
      await connection?.close();
    }
  };
}
