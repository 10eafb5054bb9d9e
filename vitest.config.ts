import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Suites start real brokers, tmux servers and child processes; two at a time fits 2 cores.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
