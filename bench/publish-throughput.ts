import { performance } from 'node:perf_hooks';
import { figure, type Benchmark } from './benchmark.js';
import { connectEmitters, publishPipelined, rawPayload, signedProgress, type Emitter } from './publish-load.js';
import { withMesh } from './setup.js';
import { median, ratePerSecond } from './stats.js';

const NAME = 'publish-throughput';
const PUBLISHERS = 4;
const WINDOW = 128;

/**
 * Signed QoS 1 publishing (seal per message: JSON + HMAC-SHA256) against raw
 * QoS 1 publishing of payloads of the same size, over the same TLS
 * connections to the same broker process. Nobody subscribes: this is the
 * publishing side's ceiling, PUBACK by PUBACK.
 */
export const publishThroughput: Benchmark = {
  name: NAME,
  issue: '#2',
  describe: `${PUBLISHERS} publishers (agent logins, ${WINDOW} in flight each) → embedded TLS broker in its own process; signed vs raw, msgs/s to PUBACK`,
  run: (opts) =>
    withMesh({ name: NAME, cpuProfDir: opts.cpuProfDir, config: opts.config }, async (mesh) => {
      const perPublisher = opts.quick ? 2_500 : 12_500;
      const rounds = opts.quick ? 1 : 3;
      const emitters = await connectEmitters(
        mesh,
        Array.from({ length: PUBLISHERS }, (_, i) => `pub-${i}`),
        WINDOW,
      );
      const size = signedProgress(mesh.ctx, emitters[0], 1_000_000).length;
      let seq = 0;
      const makers = {
        raw: (_e: Emitter) => () => rawPayload(size),
        signed: (e: Emitter) => () => signedProgress(mesh.ctx, e, ++seq),
      };
      const burst = async (kind: keyof typeof makers, n: number) => {
        const t0 = performance.now();
        await Promise.all(emitters.map((e) => publishPipelined(e, n, WINDOW, makers[kind](e))));
        return ratePerSecond(n * emitters.length, performance.now() - t0);
      };
      // Warm both paths (JIT, TLS buffers) before anything is timed.
      await burst('raw', 500);
      await burst('signed', 500);
      const rates = { raw: [] as number[], signed: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        // Alternating rounds spread drift (other load, thermal) over both kinds alike.
        rates.raw.push(await burst('raw', perPublisher));
        rates.signed.push(await burst('signed', perPublisher));
        opts.log(`  round ${r + 1}: raw ${Math.round(rates.raw[r])}/s, signed ${Math.round(rates.signed[r])}/s`);
      }
      const raw = median(rates.raw);
      const signed = median(rates.signed);
      const note = `${perPublisher * PUBLISHERS} msgs of ${size} B per run, median of ${rounds}`;
      return [
        figure(NAME, 'signed QoS 1 publish', signed, 'msgs/s', { note }),
        figure(NAME, 'raw QoS 1 publish', raw, 'msgs/s', { note }),
        figure(NAME, 'signed / raw', (signed / raw) * 100, '%'),
      ];
    }),
};
