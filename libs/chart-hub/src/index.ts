export { startChartHub, podManifest } from './start-chart-hub';
export type { ChartHubOptions, RunningChartHub } from './start-chart-hub';
export { renderChart } from './render';
export type { Deployment, K8sObject, RenderedChart, RenderOptions } from './render';
export { clusterNetwork, serviceNames, serviceVariables } from './cluster';
export type { ClusterNetwork } from './cluster';
export type { BrowserSession } from './browser';
