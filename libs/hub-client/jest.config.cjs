module.exports = { displayName: 'hub-client', preset: '../../jest.preset.cjs' };
