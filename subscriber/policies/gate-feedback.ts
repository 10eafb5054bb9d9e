import type { GateRun } from './run-gate.js';

/** How a gate run ended, in a few words: "exit 1", "timed out after 600000 ms". */
export function gateOutcome(gate: GateRun, timeoutMs: number): string {
  if (gate.timedOut) return `timed out after ${timeoutMs} ms`;
  return gate.exitCode === null ? 'did not run to an exit status' : `exit ${gate.exitCode}`;
}

/**
 * The agent's next prompt after a failed gate: the command, how it ended, the end of its
 * output, and what is asked. The agent's own way of reporting done stays as it was.
 */
export function gateFeedback(o: {
  command: string;
  gate: GateRun;
  timeoutMs: number;
  attempt: number;
  attempts: number;
}): string {
  return [
    `The quality gate failed, so the task is not done yet (attempt ${o.attempt} of ${o.attempts}).`,
    `Command: ${o.command}`,
    `Result: ${gateOutcome(o.gate, o.timeoutMs)}`,
    `Last ${o.gate.tail.length} line(s) of its output:`,
    ...o.gate.tail.map((l) => `  ${l}`),
    'Fix what it reports, then finish the task the way you did before; the gate runs again.',
  ].join('\n');
}
