module.exports = { displayName: 'service-runtime', preset: '../../jest.preset.cjs' };
