import { createHash } from 'node:crypto';
import type { Notification } from './notification.js';

const REASON_MAX = 1000;

/** The reason cut to what a chat message or a push notification shows. */
const shortReason = (n: Notification) =>
  n.reason.length > REASON_MAX ? `${n.reason.slice(0, REASON_MAX)}…` : n.reason || '(no reason given)';

/** One line saying what happened. */
export function titleOf(n: Notification): string {
  const job = `job ${n.job} on ${n.host}`;
  switch (n.kind) {
    case 'blocked':
      return `mam: ${job} is blocked`;
    case 'failed':
      return `mam: ${job} ${n.state === 'timeout' ? 'timed out' : 'failed'}`;
    case 'done':
      return `mam: ${job} is done`;
    case 'approval':
      return `mam: ${job} needs approval`;
    case 'escalated':
      return `mam: ${job} needs a person (${n.escalation ?? 'escalated'})`;
    case 'breaker-open':
      return `mam: circuit breaker open on ${n.host}${n.agent ? ` for ${n.agent}` : ''} (job ${n.job})`;
    case 'host-offline':
      return `mam: host ${n.host} is offline`;
  }
}

/** The whole message as plain text: title, state, why, what to run, where to look. */
export function textOf(n: Notification): string {
  return [
    titleOf(n),
    `state: ${n.state}${n.gen !== undefined ? ` (generation ${n.gen})` : ''}`,
    `why: ${shortReason(n)}`,
    ...(n.command ? [`run: ${n.command}`] : []),
    ...(n.link ? [n.link] : []),
  ].join('\n');
}

/** Slack's three control characters, escaped: an agent's reason cannot mention @channel or forge a link. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The webhook body: Slack-compatible (`text` and `blocks`, what an incoming webhook reads) and the
 * same facts as fields under `mam`, for a receiver that is a program.
 */
export function webhookBody(n: Notification, id: string): Record<string, unknown> {
  const lines = [
    `*${slackEscape(titleOf(n))}*`,
    `state: \`${slackEscape(n.state)}\``,
    `why: ${slackEscape(shortReason(n))}`,
    ...(n.command ? [`run: \`${slackEscape(n.command)}\``] : []),
  ];
  const blocks: unknown[] = [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }];
  if (n.link)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${n.link}|open in the dashboard>` }] });
  return {
    text: slackEscape(textOf(n)),
    blocks,
    mam: {
      id,
      kind: n.kind,
      job: n.job ?? null,
      host: n.host,
      state: n.state,
      reason: n.reason,
      gen: n.gen ?? null,
      agent: n.agent ?? null,
      escalation: n.escalation ?? null,
      command: n.command ?? null,
      at: new Date(n.at).toISOString(),
      link: n.link ?? null,
    },
  };
}

/** The delivery's id, the same on every retry and after a restart: a receiver can drop a second copy. */
export function messageId(n: Notification): string {
  return `msg_${createHash('sha256').update(n.key).digest('base64url').slice(0, 27)}`;
}
