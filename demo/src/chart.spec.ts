// The demo grants exactly the chart's roles and registers the chart's services and profiles:
// checked against values.yaml read here on its own, and against the roles
// docs/contracts.md#hub-roles names.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { RoleSpec } from '@pchub/hub-harness';
import { readChart, VALUES_FILE } from './chart';
import { demoHubOptions, tokenServiceNames } from './hub-options';

const values = parse(readFileSync(VALUES_FILE, 'utf8'));
const chartHub = values.daskhub.jupyterhub.hub;

function options() {
  const chart = readChart();
  return demoHubOptions({
    chart,
    spawnServices: [
      { name: 'user-lookup', app: 'user-lookup', environment: { PC_ID_TOKEN: 'x' } },
      { name: 'spawn-webhook', app: 'spawn-webhook', environment: {} },
    ],
    serviceTokens: Object.fromEntries(tokenServiceNames(chart).map((name) => [name, `t-${name}`])),
    users: ['demo@example.com'],
    password: 'pw',
    announcement: 'demo',
  });
}

function byName(roles: RoleSpec[]): Record<string, { scopes: string[]; services: string[] }> {
  return Object.fromEntries(
    roles.map((role) => [role.name, { scopes: role.scopes, services: role.services ?? [] }]),
  );
}

describe('roles', () => {
  it("equal the chart's hub.loadRoles, scope for scope", () => {
    const fromChart = Object.fromEntries(
      Object.entries(
        chartHub.loadRoles as Record<string, { scopes: string[]; services: string[] }>,
      ).map(([name, role]) => [name, { scopes: role.scopes, services: role.services }]),
    );
    expect(byName(options().roles ?? [])).toEqual(fromChart);
  });

  it('give each service the least privilege the design names, and none admin', () => {
    expect(byName(options().roles ?? [])).toEqual({
      'usage-monitor': { scopes: ['list:users', 'read:servers'], services: ['usage-monitor'] },
      'spawn-webhook': { scopes: ['custom:pc-id-users:read'], services: ['spawn-webhook'] },
      'spawn-hook': { scopes: ['custom:spawn-environment:read'], services: ['spawn-hook'] },
      'server-events': { scopes: ['custom:server-events:write'], services: ['server-events'] },
      'metrics-scraper': { scopes: ['read:metrics'], services: ['metrics-scraper'] },
    });
  });
});

describe('services', () => {
  it('register every service of the chart, our three apps managed', () => {
    const services = options().services ?? [];
    expect(services.map((service) => service.name)).toEqual(Object.keys(chartHub.services));
    expect(Object.fromEntries(services.filter((s) => s.app).map((s) => [s.name, s.app]))).toEqual({
      'usage-monitor': 'usage-monitor',
      'spawn-webhook': 'spawn-webhook',
      'user-lookup': 'user-lookup',
    });
  });

  it('run the monitor for the demo: its own environment label, short interval, open metrics', () => {
    const monitor = (options().services ?? []).find((s) => s.name === 'usage-monitor');
    expect(monitor?.environment).toEqual({
      JUPYTERHUB_ENVIRONMENT: 'demo',
      MONITOR_INTERVAL_SECONDS: '5',
      MONITOR_METRICS_AUTH: 'false',
    });
  });

  it("hand the hook and server_events.py their services' tokens, as the chart's Secret does", () => {
    const hub = options();
    const hook = (hub.services ?? []).find((s) => s.name === 'spawn-hook');
    expect(hook?.apiToken).toBe('t-spawn-hook');
    const events = (hub.services ?? []).find((s) => s.name === 'server-events');
    expect(events?.apiToken).toBe('t-server-events');
    expect(hub.hubEnvironment).toEqual({
      SPAWN_WEBHOOK_TOKEN: 't-spawn-hook',
      SERVER_EVENTS_TOKEN: 't-server-events',
      SPAWN_WEBHOOK_TIMEOUT_SECONDS: chartHub.extraEnv.SPAWN_WEBHOOK_TIMEOUT_SECONDS,
      SPAWN_WEBHOOK_FAIL_CLOSED: chartHub.extraEnv.SPAWN_WEBHOOK_FAIL_CLOSED,
      SPAWN_ENV_VAR_NAME: chartHub.extraEnv.SPAWN_ENV_VAR_NAME,
    });
  });
});

describe('readChart', () => {
  it("reads the chart's custom scopes and profiles", () => {
    const chart = readChart();
    expect(chart.customScopes).toEqual(chartHub.config.JupyterHub.custom_scopes);
    expect(chart.profiles.map((profile) => profile.slug)).toEqual(
      values.daskhub.jupyterhub.singleuser.profileList.map((p: { slug: string }) => p.slug),
    );
    expect(chart.profiles.filter((profile) => profile.default).map((p) => p.slug)).toEqual([
      'python',
    ]);
  });

  it('names the file and the path of a layout it does not understand', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pchub-demo-chart-'));
    const file = join(dir, 'values.yaml');
    const broken = structuredClone(values);
    broken.daskhub.jupyterhub.hub.loadRoles['usage-monitor'].scopes = 'list:users';
    writeFileSync(file, stringify(broken));
    try {
      expect(() => readChart(file)).toThrow(
        `${file}: daskhub.jupyterhub.hub.loadRoles.usage-monitor.scopes: `,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
