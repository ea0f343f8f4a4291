module.exports = { displayName: 'user-lookup', preset: '../../jest.preset.cjs' };
