import type { Registry } from '../../../subscriber/registry/registry.js';
import type { StateEvent } from '../../../subscriber/registry/notify-queries.js';
import type { Notification, NotifyKind } from './notification.js';
import type { Cursor } from './notify-state.js';

/**
 * A job change is read again for this long after the newest one seen: a commit stamped a little
 * earlier can land after a later one. What is read twice is dropped by its key.
 */
const JOBS_SLACK_MS = 5_000;

/** A state a job can be told about in, by the kind of notification it makes. */
const KIND_OF_STATE: Record<string, NotifyKind> = {
  blocked: 'blocked',
  failed: 'failed',
  timeout: 'failed',
  done: 'done',
};

/** An escalation's kind, by the kind of notification it makes (others are `escalated`). */
const KIND_OF_ESCALATION: Record<string, NotifyKind> = {
  blocked: 'blocked',
  'needs-approval': 'approval',
  'breaker-open': 'breaker-open',
};

/** The reason (or done's summary) in a committed event's signed body; verified when it was received. */
function reasonIn(e: StateEvent): string | undefined {
  try {
    const body = (JSON.parse(JSON.parse(e.raw.toString('utf8')).msg) as { body?: Record<string, unknown> }).body;
    const why = body?.reason ?? body?.summary ?? body?.message;
    return typeof why === 'string' ? why : undefined;
  } catch {
    return undefined;
  }
}

type Found = Omit<Notification, 'link'>;

/**
 * What the registry says happened since the cursor, which it moves: committed events that left a
 * job blocked, failed or done; escalations (a person asked, approvals, breakers); and job states
 * reached without an event (a launch that failed, a gate's verdict). One key per job, kind and
 * generation: the same fact found twice, by two of the three, is told once.
 */
export function readChanges(reg: Registry, cursor: Cursor): Found[] {
  const out: Found[] = [];
  for (let rows = reg.stateEventsSince(cursor.event); rows.length > 0; rows = reg.stateEventsSince(cursor.event)) {
    for (const e of rows) {
      const kind = KIND_OF_STATE[e.state_after]!;
      out.push({
        key: `${e.job}:${kind}:${e.gen}`,
        kind,
        job: e.job,
        host: e.host ?? '?',
        state: e.state_after,
        reason: reasonIn(e) ?? e.reason ?? '',
        gen: e.gen,
        ...(e.agent ? { agent: e.agent } : {}),
        at: e.received_at,
      });
    }
    cursor.event = rows[rows.length - 1]!.id;
  }
  for (let rows = reg.escalationsSince(cursor.escalation); rows.length > 0; ) {
    for (const e of rows) {
      const kind = KIND_OF_ESCALATION[e.kind] ?? 'escalated';
      const gen = e.gen ?? 0;
      out.push({
        key: `${e.job}:${kind}:${gen}${kind === 'escalated' ? `:${e.kind}` : ''}`,
        kind,
        job: e.job,
        host: e.host,
        state: reg.getJob(e.job)?.state ?? 'unknown',
        reason: e.reason,
        gen,
        ...(kind === 'escalated' ? { escalation: e.kind } : {}),
        ...(kind === 'breaker-open' ? { agent: reg.getJob(e.job)?.agent ?? 'command' } : {}),
        command: e.command,
        at: e.created_at,
      });
    }
    cursor.escalation = rows[rows.length - 1]!.id;
    rows = reg.escalationsSince(cursor.escalation);
  }
  for (const j of reg.jobsChangedSince(cursor.jobsAt - JOBS_SLACK_MS)) {
    const kind = KIND_OF_STATE[j.state]!;
    out.push({
      key: `${j.id}:${kind}:${j.gen}`,
      kind,
      job: j.id,
      host: j.host,
      state: j.state,
      reason: j.reason ?? '',
      gen: j.gen,
      ...(j.agent ? { agent: j.agent } : {}),
      at: j.updated_at,
    });
    cursor.jobsAt = Math.max(cursor.jobsAt, j.updated_at);
  }
  return out;
}

/** The cursor of a first start: the registry as it is now (what happened before is not news). */
export function cursorNow(reg: Registry): Cursor {
  return { event: reg.lastEventId(), jobsAt: reg.lastJobUpdate(), escalation: reg.lastEscalationId() };
}
