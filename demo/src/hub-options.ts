// The demo's hub as the harness starts it: the chart's services, roles and hook environment,
// with our three apps as managed services and the spawn chain's upstreams as stand-ins.
import { chartStyleHookConfig, serverEventsConfig } from '@pchub/hub-harness';
import type { HubOptions, ServiceSpec } from '@pchub/hub-harness';
import type { AppName } from '@pchub/test-support';
import type { ChartHub } from './chart';
import { demoHubConfig } from './hub-config';
import { DEMO_VENV } from './paths';

export const DEMO_ENVIRONMENT = 'demo';
/** Short, so a started server shows up in the metrics within seconds (production: 60). */
export const MONITOR_INTERVAL_SECONDS = 5;
const APPS: readonly AppName[] = ['usage-monitor', 'spawn-webhook', 'user-lookup'];

// In-cluster URLs of the webhook and the monitor; chartStyleHookConfig and serverEventsConfig
// point the hook and server_events.py at the local ones.
const CLUSTER_ONLY_ENV = ['SPAWN_WEBHOOK_URL', 'SERVER_EVENTS_URL'];

export interface DemoHubInput {
  chart: ChartHub;
  /** user-lookup and spawn-webhook wired to the stand-ins (SpawnUpstreams.services()). */
  spawnServices: ServiceSpec[];
  /** Tokens of the token-only services whose token the hub's environment carries. */
  serviceTokens: Record<string, string>;
  users: string[];
  password: string;
  announcement: string;
  publicPort?: number;
}

export function demoHubOptions(input: DemoHubInput): HubOptions {
  return {
    // The chart's JupyterHub, from the demo's venv (which adds JupyterLab).
    version: '5.5',
    venvDir: DEMO_VENV,
    spawner: 'local-process',
    // The demo's venv installs without build tools, so without pycurl: tornado's own client.
    httpClient: 'simple',
    ...(input.publicPort === undefined ? {} : { publicPort: input.publicPort }),
    services: demoServices(input),
    roles: input.chart.roles.map((role) => ({ ...role, scopes: [...role.scopes] })),
    hubEnvironment: hubEnvironment(input),
    extraConfig: `${chartStyleHookConfig()}\n${serverEventsConfig()}\n${demoHubConfig(input)}`,
  };
}

/** The tokens the demo hands out for the chart's token-carrying hub variables (e.g. spawn-hook). */
export function tokenServiceNames(chart: ChartHub): string[] {
  return [...new Set(Object.values(chart.serviceTokenEnv))];
}

// Every service of the chart, in its order: our apps managed, the rest token-only as in the chart.
function demoServices(input: DemoHubInput): ServiceSpec[] {
  const managed = new Map<string, ServiceSpec>(
    input.spawnServices.map((service) => [service.name, service]),
  );
  managed.set('usage-monitor', {
    name: 'usage-monitor',
    app: 'usage-monitor',
    environment: {
      JUPYTERHUB_ENVIRONMENT: DEMO_ENVIRONMENT,
      MONITOR_INTERVAL_SECONDS: String(MONITOR_INTERVAL_SECONDS),
      // A browser cannot send a token header; production keeps the read:metrics check.
      MONITOR_METRICS_AUTH: 'false',
    },
  });
  const missing = APPS.filter((app) => !input.chart.serviceNames.includes(app));
  if (missing.length > 0) {
    throw new Error(`the chart registers no hub service ${missing.join(', ')}`);
  }
  return input.chart.serviceNames.map((name) => {
    const token = input.serviceTokens[name];
    return managed.get(name) ?? (token === undefined ? { name } : { name, apiToken: token });
  });
}

// The chart's plain hub variables, plus the service tokens its Secret would supply.
function hubEnvironment(input: DemoHubInput): Record<string, string> {
  const environment = Object.fromEntries(
    Object.entries(input.chart.plainHubEnv).filter(([name]) => !CLUSTER_ONLY_ENV.includes(name)),
  );
  for (const [variable, service] of Object.entries(input.chart.serviceTokenEnv)) {
    const token = input.serviceTokens[service];
    if (token === undefined) throw new Error(`no token for hub service ${service} (${variable})`);
    environment[variable] = token;
  }
  return environment;
}
