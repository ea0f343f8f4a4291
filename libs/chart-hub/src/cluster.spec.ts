import { clusterNetwork, serviceNames, serviceVariables } from './cluster';
import { renderedChart } from './render';
import type { K8sObject } from './render';

const service = (name: string, ports: { name?: string; port: number }[]): K8sObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { ports },
});

test('Service variables are what the kubelet injects, named ports included', () => {
  expect(serviceVariables('proxy-public', '127.1.2.3', [{ name: 'http', port: 80 }])).toEqual({
    PROXY_PUBLIC_SERVICE_HOST: '127.1.2.3',
    PROXY_PUBLIC_SERVICE_PORT: '80',
    PROXY_PUBLIC_SERVICE_PORT_HTTP: '80',
  });
  expect(serviceVariables('hub', '127.1.2.4', [])).toEqual({});
});

test('every Service gets its own address in the block, under all its cluster DNS names', () => {
  const chart = renderedChart('staging', [
    service('proxy-api', [{ port: 8001 }]),
    service('hub', [{ name: 'hub', port: 8081 }]),
  ]);
  const network = clusterNetwork(chart, '127.200.7');
  expect([...network.addresses]).toEqual([
    ['hub', '127.200.7.1'],
    ['proxy-api', '127.200.7.2'],
  ]);
  expect(network.hostsFile({ localhost: '127.200.7.1' }).split('\n')).toEqual([
    `127.200.7.1 ${serviceNames('hub', 'staging').join(' ')}`,
    '127.200.7.2 proxy-api proxy-api.staging proxy-api.staging.svc proxy-api.staging.svc.cluster.local',
    '127.200.7.1 localhost',
    '',
  ]);
  expect(network.serviceEnv()).toMatchObject({
    HUB_SERVICE_HOST: '127.200.7.1',
    HUB_SERVICE_PORT_HUB: '8081',
    PROXY_API_SERVICE_PORT: '8001',
  });
  expect(() => network.address('kbatch')).toThrow('the render has no Service kbatch');
});
