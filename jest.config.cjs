// Lets `jest` at the root run every project's unit tests.
module.exports = { projects: ['<rootDir>/apps/*', '<rootDir>/libs/*'] };
