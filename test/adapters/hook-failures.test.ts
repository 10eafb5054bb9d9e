/**
 * A turn that ended on a failed model call is reported failed (or blocked,
 * when a person must act), never done: payloads as the real CLIs sent them
 * offline (Claude Code 2.1.328 StopFailure, Gemini CLI 0.61.0 AfterAgent).
 */
import { describe, expect, it } from 'vitest';
import { emitsFor } from '../../agents/hooks/hook-events.js';

const none = (): undefined => undefined;

describe('failed turns are never done', () => {
  it("Claude Code StopFailure (no network) → job.failed with the CLI's error", () => {
    const payload = {
      session_id: '5d0c6a61-2b7e-4c38-9f0e-1f4c3b2a9d10',
      hook_event_name: 'StopFailure',
      error: 'server_error',
      last_assistant_message: "API Error: Can't reach the API server — check your internet or DNS (ENOTFOUND)",
    };
    const out = emitsFor('claude', 'StopFailure', payload, none);
    expect(out).toHaveLength(1);
    expect(out[0]!.type).toBe('job.failed');
    expect(out[0]!.body.reason).toContain('server_error');
    expect(out[0]!.body.reason).toContain("Can't reach the API server");
  });

  it('Claude Code StopFailure a person must fix (sign-in, billing) → job.blocked', () => {
    for (const error of ['authentication_failed', 'billing_error']) {
      const out = emitsFor(
        'claude',
        'StopFailure',
        { error, last_assistant_message: 'Invalid API key · Please run /login' },
        none,
      );
      expect(out.map((e) => e.type)).toEqual(['job.blocked']);
      expect(out[0]!.body.reason).toContain(error);
    }
  });

  it('Gemini CLI AfterAgent after its model calls failed ("[no response text]") → job.failed', () => {
    for (const payload of [
      { prompt: 'write hello to result.txt', prompt_response: '[no response text]', stop_hook_active: false },
      { prompt_response: '' },
    ]) {
      const out = emitsFor('gemini', 'AfterAgent', payload);
      expect(out.map((e) => e.type)).toEqual(['job.failed']);
    }
  });

  it('a turn with an answer is still done', () => {
    expect(emitsFor('gemini', 'AfterAgent', { prompt_response: 'Wrote result.txt.' })).toEqual([
      { type: 'job.done', body: { summary: 'Wrote result.txt.' } },
    ]);
    expect(emitsFor('claude', 'Stop', { last_assistant_message: 'Done.' }, none)).toEqual([
      { type: 'job.done', body: { summary: 'Done.' } },
    ]);
  });
});
