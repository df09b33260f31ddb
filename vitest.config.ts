import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests start real servers and child processes; the machine has two cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    disableConsoleIntercept: true,
    env: {FORCE_COLOR: '0'},
    pool: 'forks',
  },
})
