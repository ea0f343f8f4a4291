module.exports = { displayName: 'lookup-cache', preset: '../../jest.preset.cjs' };
