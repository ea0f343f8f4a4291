module.exports = { displayName: 'apim-client', preset: '../../jest.preset.cjs' };
