import { html as diffHtml } from 'diff2html';
import { Terminal } from '@xterm/xterm';
import { get } from './api.js';
import { h, show, stateBadge, table, time } from './dom.js';
import { jobActions } from './job-actions.js';
import { debounce, on } from './live.js';

interface JobPage {
  job: {
    id: string;
    state: string;
    reason: string | null;
    host: string;
    agent: string | null;
    gen: number;
    attempts: number;
    spec: unknown;
  };
  timeline: Array<{
    seq: number;
    sender: string;
    gen: number;
    type: string;
    ts: number;
    applied: number;
    state_after: string | null;
    body: unknown;
  }>;
  verdicts: Array<{
    sender: string;
    verdict: string;
    reviewer: string | null;
    ts: number;
    findings: Array<{ message?: string; title?: string; severity?: string; file?: string; line?: number }>;
  }>;
  gates: {
    checks: Array<{
      n: number;
      gen: number;
      command: string | null;
      result: string | null;
      exit_code: number | null;
      decision: string | null;
      detail: string | null;
    }>;
    log: { file: string; tail: string[] } | null;
  };
  attach: string;
}

const section = (title: string, ...body: Array<Node | string | null>) =>
  h('section', { class: 'panel' }, h('h2', {}, title), ...body);

/** One job: what it is, its verified timeline, gates, verdicts, live output, diff and actions. */
export async function jobView(root: HTMLElement, id: string): Promise<() => void> {
  const head = h('div', { class: 'job-head' });
  const timeline = h('div', { id: 'timeline' });
  const checks = h('div', { id: 'gates' });
  const verdicts = h('div', { id: 'verdicts' });
  const diff = h('div', { id: 'diff', class: 'diff' });
  const termBox = h('div', { id: 'output', class: 'terminal' });
  show(
    root,
    head,
    section('Output', termBox),
    section('Timeline (verified events)', timeline),
    section('Quality gate', checks),
    section('Verdicts', verdicts),
    section('Changes', diff),
  );
  const term = new Terminal({ convertEol: true, disableStdin: true, rows: 24, cols: 120, scrollback: 5000 });
  term.open(termBox);
  let outputAt: number | undefined;
  let outputBusy = false;
  const pullOutput = async () => {
    if (outputBusy) return;
    outputBusy = true;
    try {
      const o = await get<{ from: number; to: number; b64: string }>(
        `/api/jobs/${encodeURIComponent(id)}/output${outputAt === undefined ? '' : `?from=${outputAt}`}`,
      );
      if (o.b64) term.write(Uint8Array.from(atob(o.b64), (c) => c.charCodeAt(0)));
      outputAt = o.to;
      termBox.setAttribute('data-bytes', String(o.to));
    } finally {
      outputBusy = false;
    }
  };
  const load = async () => {
    const p = await get<JobPage>(`/api/jobs/${encodeURIComponent(id)}`);
    const j = p.job;
    show(
      head,
      h('h1', {}, j.id, ' ', stateBadge(j.state)),
      h(
        'p',
        { class: 'meta', id: 'job-state', 'data-state': j.state },
        `${j.agent ?? '-'} on ${j.host} · generation ${j.gen} · retries ${j.attempts}`,
        j.reason ? ` · ${j.reason}` : '',
      ),
      h('p', {}, 'attach: ', h('code', { id: 'attach' }, p.attach)),
      jobActions(j, () => void load()),
    );
    show(
      timeline,
      table(
        ['seq', 'event', 'sender (signature verified)', 'gen', 'state after', 'signed at', 'applied'],
        p.timeline.map((e) => [
          String(e.seq),
          e.type,
          `✓ ${e.sender}`,
          String(e.gen),
          e.state_after ?? '',
          time(e.ts),
          e.applied ? 'yes' : 'recorded',
        ]),
      ),
    );
    show(
      checks,
      p.gates.checks.length
        ? table(
            ['#', 'gen', 'gate', 'result', 'exit', 'approval'],
            p.gates.checks.map((c) => [
              String(c.n),
              String(c.gen),
              c.command ?? 'no gate',
              c.result ?? 'running',
              c.exit_code ?? '',
              c.decision ?? '',
            ]),
          )
        : 'no gate runs',
      p.gates.log ? h('pre', { class: 'gate-log' }, p.gates.log.tail.join('\n')) : null,
    );
    show(
      verdicts,
      ...(p.verdicts.length
        ? p.verdicts.map((v) =>
            h(
              'div',
              { class: `verdict v-${v.verdict}` },
              h('strong', {}, v.verdict),
              ` by ${v.reviewer ?? v.sender} · ${time(v.ts)}`,
              h(
                'ul',
                {},
                ...v.findings.map((f) =>
                  h(
                    'li',
                    {},
                    f.severity ? `[${f.severity}] ` : '',
                    f.title ? `${f.title}: ` : '',
                    f.message ?? '',
                    f.file ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : '',
                  ),
                ),
              ),
            ),
          )
        : ['no verdicts']),
    );
  };
  const loadDiff = async () => {
    const d = await get<{ base: string | null; branch: string | null; diff: string }>(
      `/api/jobs/${encodeURIComponent(id)}/diff`,
    );
    if (!d.base) return void show(diff, 'no worktree: nothing to compare');
    if (!d.diff) return void show(diff, `no changes on ${d.branch} against ${d.base.slice(0, 12)}`);
    // diff2html escapes the diff's text; its markup is all that is parsed here.
    diff.innerHTML = diffHtml(d.diff, { drawFileList: true, matching: 'none', outputFormat: 'line-by-line' });
  };
  await Promise.all([load(), pullOutput(), loadDiff()]);
  const refresh = debounce(() => void Promise.all([load(), loadDiff()]), 150);
  const off = on('job', (c) => c.job === id && refresh());
  // The session log is a file the host writes, not an event: read from where the page stopped.
  const timer = window.setInterval(() => void pullOutput(), 1000);
  return () => {
    off();
    clearInterval(timer);
    term.dispose();
  };
}
