import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The demo's scripted agents: real work in real git worktrees, each reported through `mam emit`
// (a done is legal from starting: only the plan says job.started, to show it), and each staying
// alive after its done: the session ends only when mam has verified it.
const AGENTS: Record<string, string> = {
  'plan.sh': `set -e
mam emit job.started
mam emit job.progress --field message="writing the plan" --field percent=50
printf '# plan\\n- alpha\\n- beta\\n' > PLAN.md
git add PLAN.md && git commit -q -m "plan: two parts, alpha and beta"
mam emit job.done --field summary="planned two parts: alpha, beta"
exec sleep 600
`,
  // Part alpha forgets its tests the first time; a rework round (its prompt carries the findings) adds them.
  'implement.sh': `set -e
part=$1
printf 'part %s implemented\\n' "$part" > "part-$part.txt"
case "$part:$MAM_PROMPT" in alpha:*"did not pass"*|beta:*) printf 'tests for %s\\n' "$part" >> "part-$part.txt";; esac
git add "part-$part.txt" && git commit -q -m "implement $part"
mam emit job.done --field summary="implemented $part"
exec sleep 600
`,
  'review.sh': `set -e
f=$(ls part-*.txt | head -n 1)
if grep -q '^tests for' "$f"; then mam verdict PASS
else mam verdict NOT_PASS --finding-json "{\\"message\\":\\"no tests for this part\\",\\"severity\\":\\"major\\",\\"file\\":\\"$f\\",\\"line\\":1}"
fi
mam emit job.done
exec sleep 600
`,
  'merge.sh': `set -e
ls part-*.txt > MERGED
git add MERGED && git commit -q -m "merge: $(tr '\\n' ' ' < MERGED)"
mam emit job.done --field summary="merged $(wc -l < MERGED | tr -d ' ') parts"
exec sleep 600
`,
};

/** The demo workflow: plan → two parts in parallel, each gated and reviewed → merge. */
export function demoWorkflow(backend: string): string {
  return `name: demo
description: plan, implement two parts in parallel (gate, review, rework), merge
params:
  - name: parts
    type: list
    default: [alpha, beta]
steps:
  - id: plan
    agent: command
    backend: ${backend}
    command: [sh, agents/plan.sh]
  - id: implement
    agent: command
    backend: ${backend}
    foreach: parts
    needs: [plan]
    prompt: "implement part {{item}} of the plan: {{steps.plan.summary}}"
    command: [sh, agents/implement.sh, "{{item}}"]
    gate: "grep -q implemented part-*.txt"
    review:
      agent: command
      maxRounds: 2
      command: [sh, agents/review.sh]
  - id: merge
    agent: command
    backend: ${backend}
    needs: [implement]
    command: [sh, agents/merge.sh]
`;
}

function git(cwd: string, ...args: string[]) {
  execFileSync('git', ['-C', cwd, ...args], { stdio: 'ignore' });
}

/** A fresh git repository holding the agents' scripts (each worktree has them) and the workflow file. */
export function makeDemoRepo(backend: string): { repo: string; file: string; workflow: string } {
  const repo = mkdtempSync(join(tmpdir(), 'mam-demo-'));
  git(repo, 'init', '-q');
  git(repo, 'config', 'user.email', 'demo@mam.invalid');
  git(repo, 'config', 'user.name', 'mam demo agent');
  writeFileSync(join(repo, 'README.md'), '# demo repository\n');
  mkdirSync(join(repo, 'agents'));
  for (const [name, text] of Object.entries(AGENTS)) writeFileSync(join(repo, 'agents', name), text, { mode: 0o755 });
  const workflow = demoWorkflow(backend);
  const file = join(repo, 'demo.yaml');
  writeFileSync(file, workflow);
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'initial: the demo agents and workflow');
  return { repo, file, workflow };
}
