// The images run as the chart runs them (its e2e target; scripts/check-images.sh runs it after
// building the images on a Docker engine). One hub and three containers at a time.
module.exports = {
  displayName: 'images',
  preset: '../jest.preset.cjs',
  testMatch: ['<rootDir>/tests/**/*.spec.ts'],
  testTimeout: 180_000,
  maxWorkers: 1,
  // Ends hub processes a failed test left running (see libs/hub-harness/src/reaper.ts).
  globalTeardown: '<rootDir>/../libs/hub-harness/src/reaper.ts',
};
