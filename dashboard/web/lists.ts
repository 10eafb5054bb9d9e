import type { Delivery } from '../server/notify/notification.js';
import { canAct, get, post } from './api.js';
import { ago, h, show, stateBadge, table, time } from './dom.js';
import { debounce, on } from './live.js';

const jobLink = (id: string) => h('a', { href: `#/job/${encodeURIComponent(id)}` }, id);

/** A view that reloads when a job changes (debounced), for the lists. */
function liveList(root: HTMLElement, load: () => Promise<Node>, kind: 'job' | 'host' = 'job'): Promise<() => void> {
  const draw = async () => void show(root, await load());
  const again = debounce(() => void draw(), 300);
  return draw().then(() => on(kind, again));
}

export const queueView = (root: HTMLElement) =>
  liveList(root, async () => {
    const rows =
      await get<
        Array<{
          id: string;
          host: string;
          agent: string | null;
          state: string;
          priority: number;
          reason: string | null;
          position: number | null;
          created_at: number;
        }>
      >('/api/queue');
    if (!rows.length) return h('p', {}, 'nothing waits');
    return table(
      ['host', '#', 'job', 'agent', 'priority', 'state', 'why it waits', 'waiting since'],
      rows.map((r) => [
        r.host,
        r.position ?? '-',
        jobLink(r.id),
        r.agent ?? '-',
        r.priority,
        stateBadge(r.state),
        r.reason ?? '',
        ago(r.created_at),
      ]),
    );
  });

export const inboxView = (root: HTMLElement) =>
  liveList(root, async () => {
    const rows =
      await get<
        Array<{ job: string; host: string; kind: string; reason: string; command: string; created_at: number }>
      >('/api/inbox');
    if (!rows.length) return h('p', { id: 'inbox-empty' }, 'nothing needs a person');
    return table(
      ['job', 'host', 'what', 'why', 'since', 'to resolve'],
      rows.map((e) => [jobLink(e.job), e.host, e.kind, e.reason, ago(e.created_at), h('code', {}, e.command)]),
    );
  });

export const rejectionsView = (root: HTMLElement) =>
  liveList(root, async () => {
    const r = await get<{
      counts: Array<{ reason: string; n: number }>;
      rows: Array<{
        at: number;
        reason: string;
        topic: string;
        job: string | null;
        sender: string | null;
        detail: string | null;
        size: number;
      }>;
    }>('/api/rejections');
    return h(
      'div',
      {},
      h(
        'p',
        {},
        'Messages the reconciler refused: forged, replayed, stale or malformed. Each was recorded, none applied.',
      ),
      table(
        ['reason', 'count'],
        r.counts.map((c) => [c.reason, c.n]),
      ),
      table(
        ['when', 'reason', 'topic', 'job', 'claimed sender', 'detail', 'bytes'],
        r.rows.map((x) => [time(x.at), x.reason, x.topic, x.job ?? '', x.sender ?? '', x.detail ?? '', x.size]),
      ),
    );
  });

interface Deliveries {
  sinks: Array<{ name: string; events: string[] }>;
  pending: number;
  recent: Delivery[];
}

export const notificationsView = (root: HTMLElement) =>
  liveList(root, async () => {
    const n = await get<Deliveries>('/api/notifications');
    if (!n.sinks.length)
      return h('p', {}, 'no notification sinks (`notify.sinks` in .mam/config.json: docs/DASHBOARD.md)');
    const result = (d: Deliveries['recent'][number]) =>
      d.ok ? 'delivered' : `failed (attempt ${d.attempt}${d.gaveUp ? ', gave up' : ', will retry'}): ${d.error ?? ''}`;
    return h(
      'div',
      {},
      table(
        ['sink', 'tells'],
        n.sinks.map((s) => [s.name, s.events.join(', ')]),
      ),
      h('p', {}, `${n.pending} waiting to be delivered`),
      table(
        ['when', 'sink', 'kind', 'job', 'host', 'result'],
        n.recent.map((d) => [
          time(d.at),
          d.sink,
          d.kind,
          d.job ? jobLink(d.job) : '',
          d.host,
          h('span', { class: d.ok ? 'ok' : 'error' }, result(d)),
        ]),
      ),
    );
  });

interface HostRow {
  host: string;
  labels: Record<string, string>;
  status: string;
  since: number | null;
  lastSeen: number | null;
  running: number | null;
  max: number | null;
  breakers: Array<{ agent: string; state: string; failures: number; reason: string | null }>;
}

export const hostsView = (root: HTMLElement) =>
  liveList(
    root,
    async () => {
      const rows = await get<HostRow[]>('/api/hosts');
      // max 0: no limit, as `mam hosts` says it.
      const capacity = (r: HostRow) => (r.running === null ? '-' : `${r.running}/${r.max || 'no limit'}`);
      const breakers = (r: HostRow) =>
        h(
          'div',
          {},
          ...r.breakers.map((b) =>
            h(
              'div',
              { class: `breaker b-${b.state}` },
              `${b.agent}: ${b.state} (${b.failures} failures)`,
              b.state !== 'closed' && canAct()
                ? h(
                    'button',
                    {
                      onclick: () =>
                        void post(`/api/breakers/${encodeURIComponent(r.host)}/${encodeURIComponent(b.agent)}/reset`),
                    },
                    'reset',
                  )
                : null,
            ),
          ),
        );
      return table(
        ['host', 'status', 'since', 'last seen', 'capacity', 'labels', 'breakers'],
        rows.map((r) => [
          r.host,
          h('span', { class: `host-${r.status}` }, r.status),
          time(r.since),
          ago(r.lastSeen),
          capacity(r),
          Object.entries(r.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(', '),
          breakers(r),
        ]),
      );
    },
    'host',
  );
