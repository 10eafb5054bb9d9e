/**
 * An adapter's `drive`: from launch to a confirmed prompt. Readiness first
 * (dialogs answered on the way), then the prompt, if the job has one — a
 * resume without a new prompt only needs the agent ready. A dialog that
 * covers the input line during submission (a login or trust screen drawn
 * after a premature ready) sends the drive back to the probe.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMamError } from '../../core/errors.js';
import type { Adapter, AdapterJob } from '../adapter.js';
import type { ScreenSpec } from './screen-spec.js';
import { submitPrompt } from './submit-prompt.js';
import { DEFAULT_READY_TIMEOUT_MS, waitUntilReady } from './wait-ready.js';

export type Drive = NonNullable<Adapter['drive']>;

/**
 * When the drive began, first saw the agent ready, and had its prompt confirmed (epoch ms), for a person and the
 * benchmark.
 */
export const DRIVE_TIMES_FILE = 'drive-times.json';

/** Rounds of probe + submission before a dialog that keeps coming back is left to the probe's error. */
const MAX_ROUNDS = 3;

/** `promptFor` lets an adapter add its reporting instructions to the job's prompt. */
export function driveWith(
  spec: ScreenSpec,
  promptFor: (job: AdapterJob) => string | undefined = (job) => job.prompt,
): Drive {
  return async (session, job) => {
    const ids = { jobId: job.id, jobDir: job.jobDir, env: job.config.env ?? {} };
    const timeoutMs = job.config.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    // Reads and keys come in bursts from here to the confirmed prompt: one line to the session for all of them.
    const connection = await session.backend.connect?.(session.name);
    const driven = { ...session, connection };
    try {
      const prompt = job.prompt?.trim() ? promptFor(job) : undefined;
      const times: Record<string, number | string[]> = { startedAt: Date.now() };
      const note = (): void => writeFileSync(join(job.jobDir, DRIVE_TIMES_FILE), JSON.stringify(times) + '\n');
      for (let round = 1; ; round++) {
        const ready = await waitUntilReady(driven, spec, { ...ids, timeoutMs: Math.max(1000, deadline - Date.now()) });
        Object.assign(times, {
          firstReadyAt: times.firstReadyAt ?? ready.readyAt,
          readyAt: ready.readyAt,
          heldAt: Date.now(),
          answered: ready.answered,
        });
        if (!prompt) return note();
        try {
          await submitPrompt(driven, spec, prompt, ids);
          times.confirmedAt = Date.now();
          return note();
        } catch (err) {
          if (!isMamError(err, 'SUBMIT_INTERRUPTED') || round >= MAX_ROUNDS) throw err;
        }
      }
    } finally {
      await connection?.close();
    }
  };
}
