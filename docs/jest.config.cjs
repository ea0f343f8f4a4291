// Checks of the documentation against the repository: links, the hook's settings, metric names.
module.exports = { displayName: 'docs', preset: '../jest.preset.cjs' };
