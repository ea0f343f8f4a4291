import { containerEnv, expand } from './pod';
import { renderedChart } from './render';

const chart = renderedChart('prod', [
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'hub' },
    data: { 'hub.config.ConfigurableHTTPProxy.auth_token': Buffer.from('t0k').toString('base64') },
  },
]);

test('the environment resolves values, Secret keys, the namespace and $(VAR) as the kubelet does', () => {
  const env = containerEnv(
    chart,
    {
      name: 'chp',
      env: [
        { name: 'A', value: 'http://hub:$(HUB_SERVICE_PORT)/$(MISSING)' },
        {
          name: 'TOKEN',
          valueFrom: {
            secretKeyRef: { name: 'hub', key: 'hub.config.ConfigurableHTTPProxy.auth_token' },
          },
        },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        {
          name: 'OAUTH',
          valueFrom: { secretKeyRef: { name: 'pchub-oauth', key: 'client-secret' } },
        },
      ],
    },
    { HUB_SERVICE_PORT: '8081' },
    { 'pchub-oauth': { 'client-secret': 'stand-in' } },
  );
  expect(env).toEqual({
    HUB_SERVICE_PORT: '8081',
    A: 'http://hub:8081/$(MISSING)',
    TOKEN: 't0k',
    NS: 'prod',
    OAUTH: 'stand-in',
  });
});

test('a Secret the render lacks is named, not guessed', () => {
  expect(() =>
    containerEnv(
      chart,
      {
        name: 'x',
        env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'absent', key: 'k' } } }],
      },
      {},
    ),
  ).toThrow('T: no Secret absent with key k');
  expect(expand('$(A)-$(B)', { A: '1' })).toBe('1-$(B)');
});
