import type { NotifySink } from '../../../core/config.js';
import type { Notification } from './notification.js';
import { commandSink } from './sink-command.js';
import { ntfySink } from './sink-ntfy.js';
import { webhookSink } from './sink-webhook.js';
import { readWebhookSecret } from './webhook-signature.js';

/** Delivers one notification once; throws when that attempt failed. */
export type Deliver = (n: Notification, signal: AbortSignal) => Promise<void>;

/** A configured sink, ready to deliver. */
export interface Sink {
  name: string;
  cfg: NotifySink;
  deliver: Deliver;
}

/** The sink's kind, for its default name and the logs. */
const kindOf = (s: NotifySink) => (s.webhook ? 'webhook' : s.command ? 'command' : 'ntfy');

/**
 * The configured sinks, each with its name (its own, or kind-position such as webhook-1) and its
 * way of delivering. A webhook's secret is read now: a missing or unsafe one stops the start.
 */
export function createSinks(root: string, sinks: readonly NotifySink[]): Sink[] {
  return sinks.map((cfg, i) => {
    const name = cfg.name ?? `${kindOf(cfg)}-${i + 1}`;
    let deliver: Deliver;
    if (cfg.webhook) {
      const key = cfg.webhook.secretFile ? readWebhookSecret(root, cfg.webhook.secretFile, name) : undefined;
      deliver = webhookSink(cfg.webhook.url, key, cfg.timeoutMs);
    } else if (cfg.command) {
      deliver = commandSink(cfg.command, cfg.timeoutMs);
    } else {
      deliver = ntfySink(cfg.ntfy!.url, cfg.timeoutMs);
    }
    return { name, cfg, deliver };
  });
}
