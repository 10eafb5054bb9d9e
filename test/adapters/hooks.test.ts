import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { claudeHookSettings } from '../../agents/hooks/claude-settings.js';
import { geminiHookSettings } from '../../agents/hooks/gemini-settings.js';
import { emitsFor, lastAssistantText } from '../../agents/hooks/hook-events.js';
import { relayArgv } from '../../agents/hooks/relay-command.js';

const dir = mkdtempSync(join(tmpdir(), 'mam-hooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const none = () => undefined;

describe('hook payloads → events', () => {
  it('Claude Code: SessionStart gives the session id, Stop the end of the job with its last message', () => {
    const transcript = join(dir, 't.jsonl');
    writeFileSync(
      transcript,
      [
        JSON.stringify({ type: 'user', message: { content: 'do it' } }),
        JSON.stringify({
          type: 'assistant',
          message: { content: [{ type: 'text', text: 'I did it.' }, { type: 'tool_use' }] },
        }),
        '{"type":"assist', // a line still being written
      ].join('\n'),
    );
    expect(emitsFor('claude', 'SessionStart', { session_id: '0b7c2c3e-9f1d' }, none)).toEqual([
      { type: 'job.started', body: { agentSessionId: '0b7c2c3e-9f1d' } },
    ]);
    expect(emitsFor('claude', 'Stop', { transcript_path: transcript, stop_hook_active: false })).toEqual([
      { type: 'job.done', body: { summary: 'I did it.' } },
    ]);
    expect(lastAssistantText(join(dir, 'missing.jsonl'))).toBeUndefined();
  });

  it('Claude Code: a continued stop, a subagent stop and an idle notice do not end the job', () => {
    expect(emitsFor('claude', 'Stop', { stop_hook_active: true }, none)).toEqual([]);
    expect(emitsFor('claude', 'SubagentStop', {}, none)).toEqual([{ type: 'job.heartbeat', body: {} }]);
    expect(
      emitsFor(
        'claude',
        'Notification',
        { message: 'Claude is waiting for your input', notification_type: 'idle_prompt' },
        none,
      ),
    ).toEqual([]);
  });

  it('Claude Code: a permission wait blocks the job, saying what it waits for', () => {
    expect(emitsFor('claude', 'Notification', { message: 'Claude needs your permission to use Bash' }, none)).toEqual([
      { type: 'job.blocked', body: { reason: 'Claude needs your permission to use Bash' } },
    ]);
  });

  it('Gemini CLI: AfterAgent ends the job with its response, a tool permission blocks it', () => {
    expect(emitsFor('gemini', 'SessionStart', { session_id: 'abc' })).toEqual([
      { type: 'job.started', body: { agentSessionId: 'abc' } },
    ]);
    expect(emitsFor('gemini', 'AfterAgent', { prompt_response: 'All tests pass.' })).toEqual([
      { type: 'job.done', body: { summary: 'All tests pass.' } },
    ]);
    expect(emitsFor('gemini', 'AfterAgent', { stop_hook_active: true })).toEqual([]);
    expect(
      emitsFor('gemini', 'Notification', {
        notification_type: 'ToolPermission',
        message: 'Allow run_shell_command?',
      })[0]?.type,
    ).toBe('job.blocked');
  });

  it('Codex notify: the turn end carries the thread id for resume, then done', () => {
    expect(
      emitsFor('codex', '', { type: 'agent-turn-complete', 'thread-id': 't-1', 'last-assistant-message': 'Fixed.' }),
    ).toEqual([
      { type: 'job.started', body: { agentSessionId: 't-1' } },
      { type: 'job.done', body: { summary: 'Fixed.' } },
    ]);
    expect(emitsFor('codex', '', { type: 'something-else' })).toEqual([]);
  });

  it('drops a session id the event schema would refuse, and shortens long summaries', () => {
    expect(emitsFor('gemini', 'SessionStart', { session_id: 'has space' })).toEqual([]);
    const body = emitsFor('gemini', 'AfterAgent', { prompt_response: 'x'.repeat(50_000) })[0]!.body;
    expect(body.summary!.length).toBeLessThanOrEqual(2000);
  });
});

describe('generated hook settings', () => {
  it('Claude Code: one command hook per event, calling the relay with the agent and event', () => {
    const s = claudeHookSettings();
    expect(Object.keys(s.hooks)).toEqual(['SessionStart', 'Stop', 'StopFailure', 'SubagentStop', 'Notification']);
    const stop = (s.hooks.Stop as Array<{ hooks: Array<{ type: string; command: string }> }>)[0]!.hooks[0]!;
    expect(stop.type).toBe('command');
    expect(stop.command).toContain('hook-relay.js');
    expect(stop.command).toMatch(/'claude' 'Stop'$/);
  });

  it('Gemini CLI: mam hooks are added to the machine settings, which are kept', () => {
    const base = {
      security: { folderTrust: { enabled: true } },
      hooks: { AfterAgent: [{ hooks: [{ type: 'command', command: 'admin-audit' }] }] },
    };
    const s = geminiHookSettings(base) as {
      security: unknown;
      hooksConfig: { enabled: boolean };
      hooks: Record<string, unknown[]>;
    };
    expect(s.security).toEqual(base.security);
    expect(s.hooksConfig.enabled).toBe(true);
    expect(s.hooks.AfterAgent).toHaveLength(2);
    expect(JSON.stringify(s.hooks.AfterAgent![0])).toContain('admin-audit');
    expect(JSON.stringify(s.hooks.SessionStart)).toContain("'gemini' 'SessionStart'");
  });
});

describe('the relay process', () => {
  // A `mam` that records its arguments, first on PATH as the session's own is.
  const bin = join(dir, 'bin');
  const record = join(dir, 'mam-calls');
  mkdirSync(bin, { recursive: true });
  const relay = (agent: string, event: string | undefined, input: string, extra: string[] = []) =>
    execa(relayArgv(agent, event)[0]!, [...relayArgv(agent, event).slice(1), ...extra], {
      input,
      env: { PATH: `${bin}:${process.env.PATH}`, MAM_JOB_DIR: dir },
      extendEnv: false,
      reject: false,
    });

  it("sends each event with the session's `mam emit`, prints nothing for Claude and {} for Gemini, exits 0", async () => {
    writeFileSync(join(bin, 'mam'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${record}'\necho noise\n`);
    chmodSync(join(bin, 'mam'), 0o755);
    const c = await relay(
      'claude',
      'SessionStart',
      JSON.stringify({ session_id: 's-1', hook_event_name: 'SessionStart' }),
    );
    expect(c.exitCode).toBe(0);
    expect(c.stdout).toBe('');
    const g = await relay('gemini', 'AfterAgent', JSON.stringify({ prompt_response: 'ok' }));
    expect(g.stdout.trim()).toBe('{}');
    const x = await relay('codex', undefined, '', [
      JSON.stringify({ type: 'agent-turn-complete', 'thread-id': 't-9' }),
    ]);
    expect(x.exitCode).toBe(0);
    expect(readFileSync(record, 'utf8').trim().split('\n')).toEqual([
      'emit job.started --body {"agentSessionId":"s-1"}',
      'emit job.done --body {"summary":"ok"}',
      'emit job.started --body {"agentSessionId":"t-9"}',
      'emit job.done --body {}',
    ]);
    expect(readFileSync(join(dir, 'hooks.log'), 'utf8')).toMatch(/claude SessionStart → mam emit job.started: exit 0/);
  });

  it('exits 0 even when `mam emit` fails or the payload is garbage', async () => {
    writeFileSync(join(bin, 'mam'), '#!/bin/sh\necho "mam emit: broker down" >&2\nexit 75\n');
    chmodSync(join(bin, 'mam'), 0o755);
    const r = await relay('claude', 'Stop', 'not json');
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(dir, 'hooks.log'), 'utf8')).toMatch(
      /claude Stop → mam emit job.done: exit 75: mam emit: broker down/,
    );
  });
});
