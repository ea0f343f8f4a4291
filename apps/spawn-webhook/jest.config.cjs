module.exports = { displayName: 'spawn-webhook', preset: '../../jest.preset.cjs' };
