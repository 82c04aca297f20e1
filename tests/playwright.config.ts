import { defineConfig } from '@playwright/test';

// Debian's Chromium (installed by scripts/setup.sh): Playwright's own browser download is not
// reachable here. The flags keep Chromium off the (closed) network.
export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results',
  timeout: 90_000,
  expect: { timeout: 30_000 },
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  // Every spec runs in both Grafana runtimes (tests/runtime-12, tests/runtime-13), the same built
  // plugin in each: the header tells the harness server which runtime's page to serve.
  projects: [
    { name: 'grafana-12', use: { extraHTTPHeaders: { 'x-foresight-runtime': '12' } } },
    { name: 'grafana-13', use: { extraHTTPHeaders: { 'x-foresight-runtime': '13' } } },
  ],
  use: {
    viewport: { width: 1200, height: 640 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
