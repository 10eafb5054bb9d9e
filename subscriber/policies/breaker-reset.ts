import type { Opened } from '../../core/envelope.js';
import type { BreakerResetBody } from '../../schemas/event-bodies.js';
import type { ApplyContext, Outcome } from '../apply-message.js';
import { closedBreaker } from './breaker-state.js';
import { resetCommand } from './breakers.js';

/**
 * An operator's breaker.reset, inside the commit that consumes its seq: on the host it is addressed
 * to, the agent's breaker closes (its failures forgotten, its probe dropped) and the escalation it
 * raised is cleared; every other host keeps only the audit trail. The message's `job` field names
 * no job (`breaker-<agent>` by convention): it keys the operator's seq, so a replay is refused.
 */
export function applyBreakerReset(
  c: ApplyContext,
  o: Opened,
  consume: (applied: boolean, stateAfter: string | null) => void,
): Outcome {
  const ids = { job: o.msg.job, sender: o.msg.sender, seq: o.msg.seq };
  const { agent } = o.msg.body as unknown as BreakerResetBody;
  if (o.topic.id !== c.host) {
    consume(false, null);
    return { kind: 'recorded', ...ids };
  }
  const was = c.reg.getBreaker(c.host, agent)?.state ?? 'closed';
  c.reg.putBreaker(closedBreaker(c.host, agent));
  c.reg.clearBreakerEscalations(c.host, resetCommand(agent, c.host));
  consume(true, 'closed');
  return { kind: 'breaker-reset', ...ids, agent, was };
}
