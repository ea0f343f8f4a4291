module.exports = { displayName: 'hub-harness', preset: '../../jest.preset.cjs' };
