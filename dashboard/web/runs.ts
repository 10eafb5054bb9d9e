import { get } from './api.js';
import { h, show, stateBadge, table, time } from './dom.js';
import { debounce, on } from './live.js';

interface Step {
  id: string;
  agent: string;
  needs: string[];
  needs_any: string[];
  items: Array<{
    item: number;
    value?: string;
    state: string;
    host: string | null;
    attempts: number;
    job: string | null;
  }>;
}

export async function runsView(root: HTMLElement): Promise<() => void> {
  const draw = async () => {
    const rows =
      await get<
        Array<{
          id: string;
          state: string;
          file: string;
          steps: number;
          done: number;
          created_at: number;
          reason: string | null;
        }>
      >('/api/runs');
    show(
      root,
      rows.length
        ? table(
            ['run', 'state', 'steps done', 'started', 'file'],
            rows.map((r) => [
              h('a', { href: `#/run/${encodeURIComponent(r.id)}` }, r.id),
              stateBadge(r.state),
              `${r.done}/${r.steps}`,
              time(r.created_at),
              r.file,
            ]),
          )
        : h('p', {}, 'no workflow runs (`mam run <file>` starts one)'),
    );
  };
  await draw();
  return on(
    'job',
    debounce(() => void draw(), 300),
  );
}

/** Each step's depth: the longest chain of needs before it; steps of one depth share a column. */
function layers(steps: Step[]): Step[][] {
  const depth = new Map<string, number>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const of = (s: Step, seen: Set<string>): number => {
    const known = depth.get(s.id);
    if (known !== undefined) return known;
    if (seen.has(s.id)) return 0;
    seen.add(s.id);
    const before = [...s.needs, ...s.needs_any].map((n) => byId.get(n)).filter((x): x is Step => Boolean(x));
    const d = before.length ? Math.max(...before.map((b) => of(b, seen))) + 1 : 0;
    depth.set(s.id, d);
    return d;
  };
  const out: Step[][] = [];
  for (const s of steps) (out[of(s, new Set())] ??= []).push(s);
  return out;
}

/** A run as a live graph: columns of steps by depth, each naming what it needs, its items' states and jobs. */
export async function runView(root: HTMLElement, id: string): Promise<() => void> {
  const draw = async () => {
    const r = await get<{ run: { id: string; state: string; file: string; reason: string | null }; steps: Step[] }>(
      `/api/runs/${encodeURIComponent(id)}`,
    );
    show(
      root,
      h('h1', {}, r.run.id, ' ', stateBadge(r.run.state)),
      h('p', { class: 'meta' }, r.run.file, r.run.reason ? ` · ${r.run.reason}` : ''),
      h(
        'div',
        { class: 'graph', id: 'run-graph' },
        ...layers(r.steps).map((layer) =>
          h(
            'div',
            { class: 'layer' },
            ...layer.map((s) =>
              h(
                'div',
                { class: 'step', 'data-step': s.id },
                h('strong', {}, s.id),
                ` (${s.agent})`,
                s.needs.length || s.needs_any.length
                  ? h('div', { class: 'needs' }, `← ${[...s.needs, ...s.needs_any.map((n) => `${n}?`)].join(', ')}`)
                  : null,
                ...s.items.map((i) =>
                  h(
                    'div',
                    { class: 'item' },
                    stateBadge(i.state),
                    i.value ? ` ${i.value}` : '',
                    i.job ? h('a', { href: `#/job/${encodeURIComponent(i.job)}` }, ` ${i.job}`) : '',
                    i.attempts > 1 ? ` ×${i.attempts}` : '',
                    i.host ? ` @${i.host}` : '',
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };
  await draw();
  return on(
    'job',
    debounce(() => void draw(), 200),
  );
}
