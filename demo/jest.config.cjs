// The demo's tests (its e2e target): unit checks of what it takes from the chart, and the whole
// demo started as `npm run demo` starts it and driven by a headless Chromium. One at a time.
module.exports = {
  displayName: 'demo',
  preset: '../jest.preset.cjs',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/tests/**/*.spec.ts'],
  // The first run of the demo may build its venv and bundles before the hub starts.
  testTimeout: 600_000,
  maxWorkers: 1,
  // Ends hub processes a failed test left running (see libs/hub-harness/src/reaper.ts).
  globalTeardown: '<rootDir>/../libs/hub-harness/src/reaper.ts',
};
