// End-to-end tests against a real JupyterHub: one hub at a time on 2 cores.
module.exports = {
  displayName: 'e2e',
  preset: '../jest.preset.cjs',
  testMatch: ['<rootDir>/tests/**/*.spec.ts'],
  testTimeout: 180_000,
  maxWorkers: 1,
  // Ends hub processes a failed or careless test left running (see libs/hub-harness/src/reaper.ts).
  globalTeardown: '<rootDir>/../libs/hub-harness/src/reaper.ts',
};
