import { get } from './api.js';
import { ago, h, show, stateBadge } from './dom.js';
import { debounce, on } from './live.js';

interface Card {
  id: string;
  state: string;
  reason: string | null;
  host: string;
  agent: string | null;
  prompt?: string;
  updated_at: number;
  queuePosition: number | null;
}

const COLUMNS: Array<[string, string[]]> = [
  ['Waiting', ['queued', 'retrying', 'starting']],
  ['Working', ['running']],
  ['Checking', ['testing', 'review']],
  ['Needs a person', ['blocked']],
  ['Done', ['done']],
  ['Ended badly', ['failed', 'timeout', 'lost', 'cancelled']],
];
// A column shows its newest cards; the rest are counted (the filters find them).
const SHOWN = 150;

/** The jobs board: one column per kind of state, filtered and searched on the page, moved live. */
export async function boardView(root: HTMLElement): Promise<() => void> {
  const data = await get<{ counts: Record<string, number>; jobs: Card[] }>('/api/board');
  const jobs = new Map(data.jobs.map((j) => [j.id, j]));
  const search = h('input', {
    type: 'search',
    placeholder: 'search id, agent, host, prompt…',
    id: 'search',
  }) as HTMLInputElement;
  const hostSel = h('select', { id: 'filter-host' }, h('option', { value: '' }, 'all hosts')) as HTMLSelectElement;
  const agentSel = h('select', { id: 'filter-agent' }, h('option', { value: '' }, 'all agents')) as HTMLSelectElement;
  const fill = (sel: HTMLSelectElement, values: Iterable<string>) => {
    const have = new Set([...sel.options].map((o) => o.value));
    for (const v of [...new Set(values)].sort()) if (!have.has(v)) sel.append(h('option', { value: v }, v));
  };
  const columns = h('div', { class: 'board', id: 'board' });
  const render = () => {
    fill(
      hostSel,
      [...jobs.values()].map((j) => j.host),
    );
    fill(
      agentSel,
      [...jobs.values()].map((j) => j.agent ?? '-'),
    );
    const q = search.value.trim().toLowerCase();
    const match = (j: Card) =>
      (!hostSel.value || j.host === hostSel.value) &&
      (!agentSel.value || (j.agent ?? '-') === agentSel.value) &&
      (!q || `${j.id} ${j.agent} ${j.host} ${j.prompt ?? ''} ${j.reason ?? ''}`.toLowerCase().includes(q));
    const all = [...jobs.values()].filter(match).sort((a, b) => b.updated_at - a.updated_at);
    show(
      columns,
      ...COLUMNS.map(([title, states]) => {
        const cards = all.filter((j) => states.includes(j.state));
        return h(
          'section',
          { class: 'column', 'data-column': title },
          h('h2', {}, title, h('span', { class: 'count' }, String(cards.length))),
          ...cards.slice(0, SHOWN).map(card),
          cards.length > SHOWN ? h('p', { class: 'more' }, `+${cards.length - SHOWN} more: search to find them`) : null,
        );
      }),
    );
  };
  for (const el of [search, hostSel, agentSel]) el.addEventListener('input', render);
  show(root, h('div', { class: 'filters' }, search, hostSel, agentSel), columns);
  render();
  const rerender = debounce(render, 50);
  const reload = debounce(async () => {
    const fresh = await get<{ jobs: Card[] }>('/api/board');
    for (const j of fresh.jobs) jobs.set(j.id, j);
    render();
  }, 300);
  const offJob = on('job', (c) => {
    const j = jobs.get(c.job);
    if (!j) return reload();
    Object.assign(j, {
      state: c.row.state ?? c.state ?? j.state,
      reason: c.row.reason ?? j.reason,
      updated_at: c.row.updated_at ?? c.at,
    });
    rerender();
  });
  const offBoard = on('board', reload);
  return () => {
    offJob();
    offBoard();
  };
}

function card(j: Card): HTMLElement {
  return h(
    'a',
    { class: 'card', href: `#/job/${encodeURIComponent(j.id)}`, 'data-job': j.id, 'data-state': j.state },
    h('div', { class: 'card-head' }, h('strong', {}, j.id), stateBadge(j.state)),
    h(
      'div',
      { class: 'meta' },
      `${j.agent ?? '-'} on ${j.host} · ${ago(j.updated_at)}`,
      j.queuePosition ? ` · #${j.queuePosition} in queue` : '',
    ),
    j.reason ? h('div', { class: 'reason' }, j.reason) : null,
    j.prompt ? h('div', { class: 'prompt' }, j.prompt) : null,
  );
}
