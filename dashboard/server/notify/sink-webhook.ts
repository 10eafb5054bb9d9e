import { messageId, webhookBody } from './message.js';
import type { Deliver } from './sinks.js';
import { post } from './http-post.js';
import { signWebhook } from './webhook-signature.js';

/**
 * A webhook sink: the Slack-compatible JSON body, with Standard Webhooks headers (webhook-id,
 * webhook-timestamp, and webhook-signature when a secret is configured). The id stays the same on
 * every retry; the timestamp and signature are made again for each attempt.
 */
export function webhookSink(url: string, key: Buffer | undefined, timeoutMs: number): Deliver {
  return async (n, signal) => {
    const id = messageId(n);
    const body = JSON.stringify(webhookBody(n, id));
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'mam-notify',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
    };
    if (key) headers['webhook-signature'] = signWebhook(key, id, timestamp, body);
    await post(url, { headers, body }, timeoutMs, signal);
  };
}
