module.exports = { displayName: 'test-support', preset: '../../jest.preset.cjs' };
