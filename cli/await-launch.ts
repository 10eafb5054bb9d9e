import { connectAs } from '../broker/connect-role.js';
import type { Context } from '../core/context.js';
import { openEnvelope } from '../core/envelope.js';
import { MamError } from '../core/errors.js';
import { topics } from '../core/topics.js';

interface StateView {
  state: string;
  gen: number;
  session: string | null;
  reason: string | null;
}

// States a launched session reaches by reporting: the launch is past.
const UNDER_WAY = new Set(['running', 'testing', 'review', 'done']);
// States a launch can end in without a session to show for it.
const ENDED = new Set(['failed', 'lost', 'cancelled', 'timeout']);

/**
 * Follows the job's signed, retained state until its first session is
 * launched (resolves with its name), the host's queue holds it (resolves with
 * why it waits: dependencies, capacity, a breaker, a retry after a failed launch), or the launch has failed
 * (throws LAUNCH_FAILED with the reconciler's reason), at most `timeoutMs`
 * (LAUNCH_UNCONFIRMED: the job exists, its launch is still unknown).
 */
export async function awaitLaunch(
  ctx: Context,
  job: string,
  timeoutMs: number,
  host?: string,
): Promise<{ session?: string; waiting?: string }> {
  const ns = ctx.cfg.namespace;
  const stateTopic = topics.state(ns, job);
  const client = await connectAs(ctx, 'operator', { connectTimeoutMs: Math.min(timeoutMs, 10_000) });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<{ session?: string; waiting?: string }>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new MamError(
              'LAUNCH_UNCONFIRMED',
              `job ${job} was created, but its launch was not confirmed within ${timeoutMs} ms`,
              { hint: `\`mam job show ${job}\` shows where it is; a slow agent start needs a longer --wait` },
            ),
          ),
        timeoutMs,
      );
      client.mqtt.on('message', (t, payload) => {
        if (t !== stateTopic) return;
        let s: StateView;
        try {
          s = openEnvelope(ns, t, payload, ctx.keyring, 1 << 20, host ? () => host : undefined).msg
            .body as unknown as StateView;
        } catch {
          return; // unverifiable: proves nothing either way
        }
        if (s.gen >= 1 && s.session) resolve({ session: s.session });
        else if (UNDER_WAY.has(s.state)) resolve({ session: s.session ?? '' });
        else if ((s.state === 'queued' || s.state === 'retrying') && s.reason) resolve({ waiting: s.reason });
        else if (s.state === 'cancelled' && s.gen === 0) {
          reject(
            new MamError(
              'LAUNCH_FAILED',
              `job ${job} was created but cancelled before it started${s.reason ? `: ${s.reason}` : ''}`,
              { hint: `\`mam job show ${job}\` has the details` },
            ),
          );
        } else if (s.gen >= 1 && ENDED.has(s.state)) {
          reject(
            new MamError(
              'LAUNCH_FAILED',
              `job ${job} was created but did not start: ${s.state}${s.reason ? ` (${s.reason})` : ''}`,
              {
                hint: `\`mam job show ${job}\` has the details and the session log; fix the cause and \`mam job resume ${job}\``,
              },
            ),
          );
        }
      });
      client.mqtt.subscribeAsync(stateTopic, { qos: 1 }).catch(reject);
    });
  } finally {
    clearTimeout(timer);
    await client.close();
  }
}
