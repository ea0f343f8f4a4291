module.exports = { displayName: 'usage-monitor', preset: '../../jest.preset.cjs' };
