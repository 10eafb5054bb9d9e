import { connectAs } from '../../broker/connect-role.js';
import type { Context } from '../../core/context.js';
import { openEnvelope } from '../../core/envelope.js';
import { prefix } from '../../core/topics.js';
import type { Io } from '../io.js';

/**
 * Follows a run's jobs on the broker as a reader: every event, verdict and state of a job whose id
 * begins with the run's, each opened (its signature checked against the workspace's keys) before
 * it is printed; one that fails is printed as UNVERIFIED. Returns how to stop following.
 */
export async function streamRun(ctx: Context, io: Io, run: string): Promise<{ close(): Promise<void> }> {
  const ns = ctx.cfg.namespace;
  const reader = await connectAs(ctx, 'reader', { reconnectMs: ctx.cfg.broker.reconnectMs });
  const lastState = new Map<string, string>();
  const pad = (s: string, n: number) => s.padEnd(n);
  reader.mqtt.on('message', (topic, payload) => {
    const job = topic.split('/').at(-2) ?? '';
    if (!job.startsWith(`${run}-`)) return;
    const short = job.slice(run.length + 1);
    try {
      const { msg } = openEnvelope(ns, topic, payload, ctx.keyring, 1 << 20);
      const b = msg.body as Record<string, unknown>;
      if (msg.type === 'job.state') {
        const line = `${b.state} ${b.gen} ${b.reason}`;
        if (lastState.get(job) === line) return;
        lastState.set(job, line);
        io.out(`  state  ${pad(short, 20)} ${pad(String(b.state), 9)}${b.reason ? ` (${b.reason})` : ''}\n`);
        return;
      }
      const what =
        msg.type === 'review.verdict'
          ? `${b.verdict}${Array.isArray(b.findings) && b.findings.length ? ` ${JSON.stringify(b.findings)}` : ''}`
          : [b.message, b.summary].filter(Boolean).join(' ');
      io.out(`  event  ${pad(short, 20)} ${pad(msg.type, 14)} ${what ? `${what} ` : ''}[signature verified]\n`);
    } catch (err) {
      io.out(`  UNVERIFIED message on ${topic}: ${(err as Error).message}\n`);
    }
  });
  await reader.mqtt.subscribeAsync({
    [`${prefix(ns)}/jobs/+/events`]: { qos: 1 },
    [`${prefix(ns)}/jobs/+/state`]: { qos: 1 },
    [`${prefix(ns)}/reviews/+/verdicts`]: { qos: 1 },
  });
  return { close: () => reader.close() };
}
