/**
 * An adapter's `drive`: from launch to a confirmed prompt. Readiness first
 * (dialogs answered on the way), then the prompt, if the job has one — a
 * resume without a new prompt only needs the agent ready. A dialog that
 * covers the input line during submission (a login or trust screen drawn
 * after a premature ready) sends the drive back to the probe.
 */
import { isMamError } from '../../core/errors.js';
import type { Adapter, AdapterJob } from '../adapter.js';
import type { ScreenSpec } from './screen-spec.js';
import { submitPrompt } from './submit-prompt.js';
import { DEFAULT_READY_TIMEOUT_MS, waitUntilReady } from './wait-ready.js';

export type Drive = NonNullable<Adapter['drive']>;

/** Rounds of probe + submission before a dialog that keeps coming back is left to the probe's error. */
const MAX_ROUNDS = 3;

/** `promptFor` lets an adapter add its reporting instructions to the job's prompt. */
export function driveWith(spec: ScreenSpec, promptFor: (job: AdapterJob) => string | undefined = (job) => job.prompt): Drive {
  return async (session, job) => {
    const ids = { jobId: job.id, jobDir: job.jobDir, env: job.config.env ?? {} };
    const timeoutMs = job.config.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    // Reads and keys come in bursts from here to the confirmed prompt: one line to the session for all of them.
    const connection = await session.backend.connect?.(session.name);
    const driven = { ...session, connection };
    try {
      const prompt = job.prompt?.trim() ? promptFor(job) : undefined;
      for (let round = 1; ; round++) {
        await waitUntilReady(driven, spec, { ...ids, timeoutMs: Math.max(1000, deadline - Date.now()) });
        if (!prompt) return;
        try {
          await submitPrompt(driven, spec, prompt, ids);
          return;
        } catch (err) {
          if (!isMamError(err, 'SUBMIT_INTERRUPTED') || round >= MAX_ROUNDS) throw err;
        }
      }
    } finally {
      await connection?.close();
    }
  };
}
