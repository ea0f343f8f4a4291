// The Azure stand-ins live beside the client that speaks to Azure; shared until they move into
// @pchub/test-support, which has no path alias for a tests-only entry point of another lib.
// eslint-disable-next-line @nx/enforce-module-boundaries
export * from '../../../../libs/apim-client/src/testing';
