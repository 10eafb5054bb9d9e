import { adapterOverhead } from './adapter-overhead.js';
import { adapterOverheadReal } from './adapter-overhead-real.js';
import type { Benchmark } from './benchmark.js';
import { clusterThroughput } from './cluster-throughput.js';
import { dashboardLoad } from './dashboard-load.js';
import { crossHost } from './cross-host.js';
import { emitLatency } from './emit-latency.js';
import { publishThroughput } from './publish-throughput.js';
import { queueThroughput } from './queue-throughput.js';
import { reconcileThroughput } from './reconcile-throughput.js';
import { registryScale } from './registry-scale.js';
import { sessionsScale } from './sessions-scale.js';
import { terminationLatency } from './termination-latency.js';
import { workflowDag } from './workflow-dag.js';

/** Every benchmark `npm run bench` knows, in the order it runs them: add a new one here. */
export const BENCHMARKS: readonly Benchmark[] = [
  publishThroughput,
  emitLatency,
  reconcileThroughput,
  terminationLatency,
  sessionsScale,
  adapterOverhead,
  adapterOverheadReal,
  registryScale,
  queueThroughput,
  clusterThroughput,
  crossHost,
  workflowDag,
  dashboardLoad,
];
