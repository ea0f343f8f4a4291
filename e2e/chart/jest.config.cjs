// The deployment as operators install it (@pchub/chart-hub): one chart hub at a time on 2 cores.
module.exports = {
  displayName: 'e2e-chart',
  preset: '../../jest.preset.cjs',
  testMatch: ['<rootDir>/tests/**/*.spec.ts'],
  testTimeout: 300_000,
  maxWorkers: 1,
  // Ends what a failed test left running (the chart hub's processes carry the harness marker).
  globalTeardown: '<rootDir>/../../libs/hub-harness/src/reaper.ts',
};
