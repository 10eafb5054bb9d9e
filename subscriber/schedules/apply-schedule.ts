import type { Opened } from '../../core/envelope.js';
import { isMamError, MamError } from '../../core/errors.js';
import { nextFiring } from '../../core/cron.js';
import type { ScheduleAddBody, ScheduleRemoveBody } from '../../schemas/event-bodies.js';
import type { ApplyContext, Outcome } from '../apply-message.js';

/**
 * An operator's schedule.add or schedule.remove, inside the commit that consumes its seq. Only
 * the host it is addressed to keeps the schedule (and fires it); other hosts keep the audit trail.
 * The message's `job` names no job (`schedule-<id>` by convention): it keys the operator's seq, so
 * a replayed add cannot bring back a schedule that was removed since.
 */
export function applyScheduleCommand(
  c: ApplyContext,
  o: Opened,
  now: number,
  consume: (applied: boolean, stateAfter: string | null) => void,
): Outcome {
  const ids = { job: o.msg.job, sender: o.msg.sender, seq: o.msg.seq };
  if (o.topic.id !== c.host) {
    consume(false, null);
    return { kind: 'recorded', ...ids };
  }
  if (o.msg.type === 'schedule.remove') {
    const removed = c.reg.removeSchedule((o.msg.body as unknown as ScheduleRemoveBody).id);
    consume(removed, removed ? 'removed' : null);
    return { kind: 'recorded', ...ids };
  }
  const b = o.msg.body as unknown as ScheduleAddBody;
  let next: number | null;
  try {
    next = nextFiring(b.cron, now);
  } catch (err) {
    // The CLI checks the expression first: one that gets here was not sent by it.
    throw new MamError('SCHEMA', isMamError(err) ? err.message : String(err));
  }
  c.reg.putSchedule({
    id: b.id,
    host: c.host,
    cron: b.cron,
    file: b.file,
    workflow: b.workflow,
    params: JSON.stringify(b.params ?? {}),
    added_by: o.msg.sender,
    added_at: now,
    next_at: next,
  });
  consume(true, 'scheduled');
  return { kind: 'recorded', ...ids };
}
