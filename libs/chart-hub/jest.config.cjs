module.exports = { displayName: 'chart-hub', preset: '../../jest.preset.cjs' };
