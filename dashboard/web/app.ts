import '@xterm/xterm/css/xterm.css';
import 'diff2html/bundles/css/diff2html.min.css';
import './style.css';
import { ApiError, loadSession } from './api.js';
import { boardView } from './board.js';
import { h, show } from './dom.js';
import { jobView } from './job-page.js';
import { hostsView, inboxView, notificationsView, queueView, rejectionsView } from './lists.js';
import { startLive } from './live.js';
import { metricsView } from './metrics-view.js';
import { runView, runsView } from './runs.js';

type View = (root: HTMLElement, arg: string) => Promise<() => void>;

const VIEWS: Array<[string, string, View]> = [
  ['', 'Board', boardView],
  ['queue', 'Queue', queueView],
  ['inbox', 'Inbox', inboxView],
  ['runs', 'Runs', runsView],
  ['hosts', 'Hosts', hostsView],
  ['rejections', 'Rejections', rejectionsView],
  ['metrics', 'Metrics', metricsView],
  ['notifications', 'Notifications', notificationsView],
];
const DETAIL: Record<string, View> = { job: jobView, run: runView };

async function main() {
  const app = document.getElementById('app')!;
  const session = await loadSession();
  const dot = h('span', { class: 'live-dot', id: 'live', title: 'live updates' });
  const nav = h('nav', {}, ...VIEWS.map(([path, title]) => h('a', { href: `#/${path}`, 'data-view': path }, title)));
  const main = h('main', { id: 'view' });
  show(
    app,
    h(
      'header',
      {},
      h('strong', {}, `mam · ${session.host}`),
      nav,
      h('span', { class: 'who' }, `${session.name} (${session.role})`, dot),
    ),
    main,
  );
  startLive((up) => dot.classList.toggle('up', up));
  let leave: () => void = () => {};
  let shown = 0;
  const route = async () => {
    const [, path = '', arg = ''] = location.hash.split('/').map(decodeURIComponent);
    const view = DETAIL[path] ?? VIEWS.find(([p]) => p === path)?.[2] ?? boardView;
    for (const a of nav.querySelectorAll('a')) a.classList.toggle('current', a.getAttribute('data-view') === path);
    leave();
    leave = () => {};
    const mine = ++shown;
    const root = h('div', {});
    show(main, root);
    try {
      const off = await view(root, arg);
      if (mine === shown) leave = off;
      else off();
      main.setAttribute('data-ready', path || 'board');
      // Read by the dashboard benchmark: navigation start → this view rendered.
      performance.mark(`view-${path || 'board'}`);
    } catch (err) {
      const e = err as ApiError;
      show(root, h('p', { class: 'error' }, e.message, e.hint ? ` (${e.hint})` : ''));
    }
  };
  window.addEventListener('hashchange', () => void route());
  await route();
}

main().catch((err: Error) => {
  document.getElementById('app')!.textContent = `The dashboard could not start: ${err.message}`;
});
