module.exports = { displayName: 'pc-id-client', preset: '../../jest.preset.cjs' };
