/**
 * For agents without a hook mam can use: the prompt itself tells the agent
 * how to report, with the `mam emit` its session has on PATH. The commands
 * are on lines of their own starting with "$ ", so an agent (or a test fake)
 * can tell them from the prose.
 */

export interface ReportOptions {
  /** a shell command the agent runs first to report its session id for resume */
  sessionIdCommand?: string;
}

export function reportInstructions(opts: ReportOptions = {}): string {
  const lines = ['', '---', 'This task runs under mam, which learns how it went only from these shell commands:'];
  if (opts.sessionIdCommand) lines.push('Run this once, before you start:', `$ ${opts.sessionIdCommand}`);
  lines.push(
    'When the task is complete:',
    '$ mam emit job.done --field summary="<one line: what you did>"',
    'If you cannot complete it:',
    '$ mam emit job.failed --field reason="<one line: why>"',
    'If you need a person to decide something before you can go on:',
    '$ mam emit job.blocked --field reason="<one line: the question>"',
  );
  return lines.join('\n');
}

export function withReportInstructions(prompt: string | undefined, opts: ReportOptions = {}): string | undefined {
  return prompt === undefined ? undefined : `${prompt.trimEnd()}\n${reportInstructions(opts)}`;
}
