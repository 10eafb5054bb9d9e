import { ApiError, canAct, post } from './api.js';
import { h } from './dom.js';

/**
 * The operator's buttons for one job: each posts to the server, which signs the same event the CLI
 * would. A reader sees why there are none.
 */
export function jobActions(job: { id: string; state: string }, done: () => void): HTMLElement {
  if (!canAct())
    return h('p', { class: 'note' }, 'read-only login: `mam dashboard --url --role operator` gives one that acts');
  const status = h('span', { class: 'action-status', id: 'action-status' });
  const findings = h('textarea', {
    id: 'findings',
    rows: 2,
    placeholder: 'findings, one per line (for NOT_PASS)',
  }) as HTMLTextAreaElement;
  const act =
    (action: string, body: object = {}) =>
    async () => {
      status.textContent = `${action}…`;
      try {
        const r = await post<{ seq: number; committed: boolean }>(
          `/api/jobs/${encodeURIComponent(job.id)}/${action}`,
          body,
        );
        status.textContent = `${action}: signed event seq ${r.seq} ${r.committed ? 'committed' : 'sent, not yet committed'}`;
        done();
      } catch (err) {
        const e = err as ApiError;
        status.textContent = `${action} refused: ${e.message}${e.hint ? ` (${e.hint})` : ''}`;
      }
    };
  const live = !['done', 'failed', 'cancelled', 'timeout', 'lost'].includes(job.state);
  const lines = () =>
    findings.value
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  return h(
    'div',
    { class: 'actions' },
    live ? h('button', { id: 'act-stop', onclick: act('stop') }, 'Stop') : null,
    job.state === 'blocked' ? h('button', { id: 'act-resume', onclick: act('resume') }, 'Resume') : null,
    live ? null : h('button', { id: 'act-retry', onclick: act('retry') }, 'Retry'),
    job.state === 'review' ? h('button', { id: 'act-approve', onclick: act('approve') }, 'Approve (PASS)') : null,
    job.state === 'review'
      ? h(
          'span',
          {},
          findings,
          h(
            'button',
            { id: 'act-notpass', onclick: () => act('verdict', { verdict: 'NOT_PASS', findings: lines() })() },
            'NOT_PASS',
          ),
        )
      : null,
    status,
  );
}
