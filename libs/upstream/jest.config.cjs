module.exports = { displayName: 'upstream', preset: '../../jest.preset.cjs' };
