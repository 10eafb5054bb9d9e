/**
 * What each agent CLI's own completion signals mean for the job, as `mam emit`
 * events: a hook payload in, the events out. Pure, so the mapping is tested
 * without an agent; hook-relay.ts feeds it and runs the emits.
 *
 * Payloads, as the CLIs document them:
 * - Claude Code hooks: JSON on stdin with session_id, transcript_path,
 *   hook_event_name; Stop adds stop_hook_active, Notification message and
 *   (newer versions) notification_type. A turn that ends on an API error
 *   fires StopFailure instead of Stop (2.1.328: {error, error_details,
 *   last_assistant_message}, error one of authentication_failed,
 *   oauth_org_not_allowed, account_on_hold, verification_required,
 *   billing_error, rate_limit, overloaded, invalid_request, model_not_found,
 *   server_error, unknown, max_output_tokens, cloud_credential_error).
 * - Gemini CLI hooks: JSON on stdin with session_id; AfterAgent adds
 *   prompt_response and stop_hook_active, Notification notification_type
 *   ("ToolPermission") and message. 0.61.0 fires AfterAgent after a turn
 *   whose model calls all failed too, with prompt_response "[no response
 *   text]" (its fireAfterAgentHookSafe): that turn failed, it is not done.
 * - Codex `notify`: one JSON argument, type "agent-turn-complete" with
 *   thread-id and last-assistant-message.
 */
import { readFileSync } from 'node:fs';

export type HookAgent = 'claude' | 'gemini' | 'codex';

export interface HookEmit {
  type: 'job.started' | 'job.done' | 'job.failed' | 'job.blocked' | 'job.heartbeat';
  body: Record<string, string>;
}

/** Long enough to say what was done; well under the event size limit. */
const SUMMARY_MAX = 2000;
const REASON_MAX = 1000;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
// The job.started schema allows no whitespace or control characters in an id.
const sessionId = (v: unknown): string | undefined => {
  const id = str(v);
  return id && /^[^\u0000-\u0020\u007f]{1,256}$/.test(id) ? id : undefined;
};

const started = (id: unknown): HookEmit[] => {
  const agentSessionId = sessionId(id);
  return agentSessionId ? [{ type: 'job.started', body: { agentSessionId } }] : [];
};
const done = (summary: string | undefined): HookEmit => ({
  type: 'job.done',
  body: summary ? { summary: cut(summary, SUMMARY_MAX) } : {},
});
const blocked = (reason: string): HookEmit => ({ type: 'job.blocked', body: { reason: cut(reason, REASON_MAX) } });
const failed = (reason: string): HookEmit => ({ type: 'job.failed', body: { reason: cut(reason, REASON_MAX) } });

/**
 * Claude Code StopFailure errors only a person can fix (sign-in, billing, account, model name): blocked, not failed.
 */
const CLAUDE_NEEDS_PERSON = new Set([
  'authentication_failed',
  'oauth_org_not_allowed',
  'account_on_hold',
  'verification_required',
  'billing_error',
  'model_not_found',
  'cloud_credential_error',
]);

/** What Gemini CLI passes as prompt_response when the turn produced no model text (all its calls failed). */
export const GEMINI_NO_RESPONSE = '[no response text]';

/** The text of the last assistant message in a Claude Code transcript (JSON lines), if readable. */
export function lastAssistantText(transcriptPath: string | undefined): string | undefined {
  if (!transcriptPath) return undefined;
  let lines: string[];
  try {
    lines = readFileSync(transcriptPath, 'utf8').split('\n');
  } catch {
    return undefined;
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const entry = JSON.parse(lines[i]!) as { type?: string; message?: { content?: unknown } };
      if (entry.type !== 'assistant') continue;
      const content = entry.message?.content;
      const text =
        typeof content === 'string'
          ? content
          : Array.isArray(content)
            ? content
                .filter((c) => c?.type === 'text')
                .map((c) => String(c.text))
                .join('\n')
            : '';
      if (text.trim()) return text.trim();
    } catch {
      // A partial last line while the CLI still writes, or a line that is not JSON.
    }
  }
  return undefined;
}

function claude(event: string, p: Record<string, unknown>, readTranscript: typeof lastAssistantText): HookEmit[] {
  switch (event) {
    case 'SessionStart':
      return started(p.session_id);
    case 'Stop':
      // Set when a Stop hook already made Claude go on: this stop is a continuation, not a new end.
      if (p.stop_hook_active === true) return [];
      return [done(str(p.last_assistant_message) ?? readTranscript(str(p.transcript_path)))];
    case 'StopFailure': {
      // The turn ended on an API error: never done. The error code says whether a person must act.
      const error = str(p.error) ?? 'unknown';
      const reason = `Claude Code stopped on an API error (${error})${str(p.last_assistant_message) ? `: ${str(p.last_assistant_message)}` : ''}`;
      return [CLAUDE_NEEDS_PERSON.has(error) ? blocked(reason) : failed(reason)];
    }
    case 'SubagentStop':
      // A subagent finishing is not the job finishing; it does show the agent is alive.
      return [{ type: 'job.heartbeat', body: {} }];
    case 'Notification': {
      const message = str(p.message) ?? 'Claude Code needs attention';
      const permission = p.notification_type === 'permission_prompt' || /permission/i.test(message);
      return permission ? [blocked(message)] : [];
    }
    default:
      return [];
  }
}

function gemini(event: string, p: Record<string, unknown>): HookEmit[] {
  switch (event) {
    case 'SessionStart':
      return started(p.session_id);
    case 'AfterAgent': {
      if (p.stop_hook_active === true) return [];
      const response = str(p.prompt_response);
      if (!response || response === GEMINI_NO_RESPONSE) {
        return [
          failed('Gemini CLI ended the turn without a model response (its model calls failed; see the session log)'),
        ];
      }
      return [done(response)];
    }
    case 'Notification':
      return p.notification_type === 'ToolPermission'
        ? [blocked(str(p.message) ?? 'Gemini CLI asks for a tool permission')]
        : [];
    default:
      return [];
  }
}

function codex(p: Record<string, unknown>): HookEmit[] {
  if (p.type !== 'agent-turn-complete') return [];
  // notify is Codex's only signal, so the session id for resume rides along with the end of the turn.
  return [...started(p['thread-id']), done(str(p['last-assistant-message']))];
}

export function emitsFor(
  agent: HookAgent,
  event: string,
  payload: Record<string, unknown>,
  readTranscript = lastAssistantText,
): HookEmit[] {
  if (agent === 'claude') return claude(event, payload, readTranscript);
  if (agent === 'gemini') return gemini(event, payload);
  return codex(payload);
}
