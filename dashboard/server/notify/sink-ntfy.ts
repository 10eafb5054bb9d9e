import { textOf, titleOf } from './message.js';
import type { Notification, NotifyKind } from './notification.js';
import type { Deliver } from './sinks.js';
import { headerSafe, post } from './http-post.js';

/** ntfy's emoji tags, by kind. */
const TAGS: Record<NotifyKind, string> = {
  blocked: 'warning',
  failed: 'x',
  escalated: 'raising_hand',
  approval: 'question',
  done: 'white_check_mark',
  'host-offline': 'electric_plug',
  'breaker-open': 'rotating_light',
};

const URGENT = new Set<NotifyKind>(['blocked', 'failed', 'host-offline', 'breaker-open']);

/** The ntfy headers: Title, Tags, Priority, and Click when there is a dashboard page to open. */
export function ntfyHeaders(n: Notification): Record<string, string> {
  return {
    'content-type': 'text/plain; charset=utf-8',
    'user-agent': 'mam-notify',
    title: headerSafe(titleOf(n)),
    tags: `${TAGS[n.kind]},mam,${n.kind}`,
    priority: URGENT.has(n.kind) ? 'high' : 'default',
    ...(n.link ? { click: headerSafe(n.link, 2048) } : {}),
  };
}

/** An ntfy topic (ntfy.sh or one's own server): the message as the text body of a POST. */
export function ntfySink(url: string, timeoutMs: number): Deliver {
  return (n, signal) => post(url, { headers: ntfyHeaders(n), body: textOf(n) }, timeoutMs, signal);
}
