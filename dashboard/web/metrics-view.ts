import type { Outcome } from '../../subscriber/registry/dashboard-queries.js';
import { get } from './api.js';
import { h, show, table } from './dom.js';
import { debounce, on } from './live.js';

interface Stats {
  counts: Record<string, number>;
  outcomes: Outcome[];
  changes: Array<{ hour: number; state: string; n: number }>;
}

const secs = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);

/** Jobs by state now and over the last day, and per agent and host: success rate, time to done, retries. */
export async function metricsView(root: HTMLElement): Promise<() => void> {
  const draw = async () => {
    const s = await get<Stats>('/api/stats');
    const hours = [...new Set(s.changes.map((c) => c.hour))].sort((a, b) => a - b);
    const top = Math.max(1, ...hours.map((hr) => s.changes.filter((c) => c.hour === hr).reduce((n, c) => n + c.n, 0)));
    const bars = h(
      'div',
      { class: 'bars' },
      ...hours.map((hr) => {
        const col = h('div', { class: 'bar', title: new Date(hr * 3_600_000).toISOString().slice(11, 13) + 'h' });
        for (const c of s.changes.filter((x) => x.hour === hr)) {
          const seg = h('div', { class: `seg s-${c.state}`, title: `${c.state}: ${c.n}` });
          // Set through the CSS object model, which the Content-Security-Policy allows.
          seg.style.height = `${(100 * c.n) / top}%`;
          col.append(seg);
        }
        return col;
      }),
    );
    show(
      root,
      h('h2', {}, 'Jobs by state'),
      table(Object.keys(s.counts), [Object.values(s.counts).map(String)]),
      h('h2', {}, 'State changes per hour, last day'),
      bars,
      h('h2', {}, 'Per agent and host'),
      table(
        ['host', 'agent', 'jobs', 'done', 'failed', 'success rate', 'mean time to done', 'retries'],
        s.outcomes.map((o) => [
          o.host,
          o.agent,
          o.jobs,
          o.done,
          o.failed,
          o.done + o.failed ? `${Math.round((100 * o.done) / (o.done + o.failed))}%` : '-',
          secs(o.avg_done_ms),
          o.retries,
        ]),
      ),
      h(
        'p',
        {},
        'Prometheus: ',
        h('code', {}, '/metrics'),
        ' (with this login, or a bearer token from .mam/dashboard/metrics.token)',
      ),
    );
  };
  await draw();
  return on(
    'job',
    debounce(() => void draw(), 2000),
  );
}
