// The chart's hub, really configured (issue 14): z2jh 4.4.0's own jupyterhub_config.py and
// z2jh.py over the files the chart renders into the hub's ConfigMap and Secret, in a JupyterHub
// from the hub image's pinned requirements, with the proxy, our services and the culler as
// rendered (@pchub/chart-hub says what stands in). Everything is asserted through the hub's
// REST API and pages, as the hub pod would serve them.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environOf, KEY_VARIABLE, repoRoot } from '@pchub/hub-harness';
import { waitFor } from '@pchub/test-support';
import { podManifest, startChartHub } from '@pchub/chart-hub';
import { HubClient } from '@pchub/smoke-test';
import type { RunningChartHub } from '@pchub/chart-hub';

jest.setTimeout(300_000);

interface RoleValue {
  scopes?: string[];
  services?: string[];
}
interface ProfileValue {
  display_name: string;
  slug: string;
}

let hub: RunningChartHub;
let hubValues: {
  loadRoles: Record<string, RoleValue>;
  services: Record<string, unknown>;
  customScopes: Record<string, unknown>;
  profiles: ProfileValue[];
  announcement: string;
  oauth: { client_id: string; authorize_url: string; oauth_callback_url: string };
  cull: { timeout: number; every: number; maxAge: number };
};

// The examples repository the post-start hook pulls: a local one, named as operators would
// point the chart at a fork (singleuser.extraEnv.PCHUB_EXAMPLES_REPOSITORY).
let examples: string;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=e2e@example.org', '-c', 'user.name=e2e', ...args], {
    cwd,
    stdio: 'pipe',
  });
function commitExample(file: string, content: string): void {
  writeFileSync(join(examples, file), content);
  git(examples, 'add', file);
  git(examples, 'commit', '-qm', `add ${file}`);
}

beforeAll(async () => {
  examples = mkdtempSync(join(tmpdir(), 'pchub-examples-'));
  git(examples, 'init', '-q', '-b', 'main');
  commitExample('README.md', '# Planetary Computer examples\n');
  const examplesValues = `${examples}.values.yaml`;
  writeFileSync(
    examplesValues,
    `daskhub:\n  jupyterhub:\n    singleuser:\n      extraEnv:\n        PCHUB_EXAMPLES_REPOSITORY: file://${examples}\n`,
  );
  hub = await startChartHub({ deployment: 'staging', valuesFiles: [examplesValues] });
  const values = hub.values as {
    hub: {
      loadRoles: Record<string, RoleValue>;
      services: Record<string, unknown>;
      config: {
        JupyterHub: { custom_scopes: Record<string, unknown> };
        GenericOAuthenticator: {
          client_id: string;
          authorize_url: string;
          oauth_callback_url: string;
        };
      };
      templateVars: { announcement: string };
    };
    singleuser: { profileList: ProfileValue[] };
    cull: { timeout: number; every: number; maxAge: number };
  };
  hubValues = {
    loadRoles: values.hub.loadRoles,
    services: values.hub.services,
    customScopes: values.hub.config.JupyterHub.custom_scopes,
    profiles: values.singleuser.profileList,
    announcement: values.hub.templateVars.announcement,
    oauth: values.hub.config.GenericOAuthenticator,
    cull: values.cull,
  };
});
afterAll(async () => {
  await hub?.stop();
  rmSync(examples, { recursive: true, force: true });
  rmSync(`${examples}.values.yaml`, { force: true });
});

test('our services, the hook token service and the culler are registered with the chart roles', async () => {
  const services = (await (await hub.api('services')).json()) as Record<
    string,
    { roles: string[]; command?: string[] }
  >;
  for (const name of [
    'usage-monitor',
    'spawn-webhook',
    'user-lookup',
    'spawn-hook',
    'server-events',
    'dask-gateway',
  ]) {
    expect(services).toHaveProperty(name);
  }
  for (const [roleName, role] of Object.entries(hubValues.loadRoles)) {
    for (const service of role.services ?? []) {
      expect({ service, roles: services[service]?.roles }).toEqual({
        service,
        roles: expect.arrayContaining([roleName]),
      });
    }
  }
  // Each token holds exactly what its role grants (docs/contracts.md#scopes), as the hub expands
  // it (read:servers brings read:users:name), custom scopes included: no more, no less.
  const expected: Record<string, string[]> = {
    'usage-monitor': ['list:users', 'read:servers', 'read:users:name'],
    'spawn-webhook': ['custom:pc-id-users:read'],
    'spawn-hook': ['custom:spawn-environment:read'],
    'server-events': ['custom:server-events:write'],
    'user-lookup': [],
    'metrics-scraper': ['read:metrics'],
  };
  for (const [service, scopes] of Object.entries(expected)) {
    const who = (await (await hub.api('user', { token: hub.serviceToken(service) })).json()) as {
      kind: string;
      scopes: string[];
    };
    expect({ service, kind: who.kind, scopes: [...who.scopes].sort() }).toEqual({
      service,
      kind: 'service',
      scopes,
    });
  }
  expect(Object.keys(hubValues.customScopes).sort()).toEqual([
    'custom:pc-id-users:read',
    'custom:server-events:write',
    'custom:spawn-environment:read',
  ]);
});

test('the spawn form offers the chart profiles, and the picked one is what usage-monitor counts', async () => {
  const user = 'ada@example.org';
  const key = hub.upstreams.addAccount(user);
  const browser = await hub.signIn(user);
  const form = await browser.page('hub/spawn');
  expect(form.status).toBe(200);
  const page = await form.text();
  // KubeSpawner's own profile form: one radio input per profile, the chart's names on it.
  for (const profile of hubValues.profiles) {
    expect(page).toMatch(new RegExp(`<input[^>]*value="${profile.slug}"`));
    expect(page).toContain(profile.display_name);
  }
  const picked = await browser.page('hub/spawn', { profile: 'r' });
  expect(picked.status).toBe(302);
  const server = await waitFor(
    async () => {
      const model = (await (await hub.api(`users/${encodeURIComponent(user)}`)).json()) as {
        servers: Record<
          string,
          {
            ready: boolean;
            user_options: { profile?: string };
            state: { pid?: number; pod_name: string };
          }
        >;
      };
      const ready = model.servers['']?.ready ? model.servers[''] : undefined;
      return ready;
    },
    {
      timeoutMs: 120_000,
      what: 'the server to be ready',
      details: () => hub.log('hub').slice(-3000),
    },
  );
  expect(server.user_options.profile).toBe('r');
  // KubeSpawner applied the profile: the pod it built runs the R image.
  const pod = podManifest(hub.podsDir, server.state.pod_name) as {
    spec: { containers: { image: string }[] };
  };
  expect(pod.spec.containers[0]!.image).toMatch(/planetary-computer\/r:/);
  // The chart's hook got the key through spawn-webhook.
  expect(environOf(server.state.pid!)[KEY_VARIABLE]).toBe(key);

  const scraper = hub.serviceToken('metrics-scraper');
  const gauge = await waitFor(
    async () => {
      const metrics = await fetch(`${hub.url}services/usage-monitor/metrics`, {
        headers: { authorization: `token ${scraper}` },
      });
      const line = (await metrics.text())
        .split('\n')
        .find((l) => l.startsWith('pchub_active_servers{') && l.includes('profile="r"'));
      return line?.endsWith(' 1') ? line : undefined;
    },
    { timeoutMs: 30_000, what: 'usage-monitor to count the server under profile r' },
  );
  expect(gauge).toContain('environment="staging"');
  // the hub's server events (the chart's server_events.py) reached usage-monitor with the chart's
  // URL and the server-events service's token
  expect(hub.log('hub')).toContain(
    'server events reach usage-monitor at http://usage-monitor:8000/services/usage-monitor/api/v1/server-events',
  );
  await hub.api(`users/${encodeURIComponent(user)}/server`, { method: 'DELETE' });
});

test('the hook is the chart file, and the templates and the announcement are served', async () => {
  const mounted = readFileSync(
    join(hub.podsDir, '..', 'usr-local-etc/pchub/hook/pre_spawn_hook.py'),
    'utf8',
  );
  expect(mounted).toBe(
    readFileSync(join(repoRoot, 'helm/pchub/files/hub/pre_spawn_hook.py'), 'utf8'),
  );
  const login = await (await fetch(`${hub.url}hub/login`)).text();
  expect(login).toContain('Interested in signing up?');
  expect(login).toContain('pchub-announcement');
  expect(login).toContain(hubValues.announcement);
});

test('the idle culler runs as the chart configures it', async () => {
  const culler = (await (await hub.api('services/jupyterhub-idle-culler')).json()) as {
    command: string[];
    pid: number;
  };
  expect(culler.command).toEqual(
    expect.arrayContaining([
      `--timeout=${hubValues.cull.timeout}`,
      `--cull-every=${hubValues.cull.every}`,
      `--max-age=${hubValues.cull.maxAge}`,
    ]),
  );
  expect(culler.command[0]).toBe('python3');
  // It has made its first pass: listing users through the hub API with its own token.
  await waitFor(
    () =>
      /200 GET \/hub\/api\/users\S* \(jupyterhub-idle-culler@/.test(hub.log('hub'))
        ? true
        : undefined,
    {
      timeoutMs: 30_000,
      what: 'the culler to list users',
      details: () => hub.log('hub').slice(-3000),
    },
  );
});

test("the login page sends the browser to pc-id's authorize URL with the chart's client id and callback", async () => {
  const login = await (await fetch(`${hub.url}hub/login`)).text();
  expect(login).toContain('href="/hub/oauth_login');
  const response = await fetch(`${hub.url}hub/oauth_login?next=`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(hubValues.oauth.authorize_url);
  expect(location.searchParams.get('client_id')).toBe(hubValues.oauth.client_id);
  expect(location.searchParams.get('redirect_uri')).toBe(hubValues.oauth.oauth_callback_url);
  expect(location.searchParams.get('response_type')).toBe('code');
});

test("the post-start hook pulls the examples into the home, and a second start keeps the user's edits", async () => {
  const user = 'hopper@example.org';
  await hub.api(`users/${encodeURIComponent(user)}`, { method: 'POST' });
  const servers = new HubClient(hub.url, hub.adminToken, 120_000);
  await servers.startServer(user);
  const model = (await (await hub.api(`users/${encodeURIComponent(user)}`)).json()) as {
    servers: Record<string, { state: { pod_name: string } }>;
  };
  const pod = model.servers['']!.state.pod_name;
  const home = join(hub.root, 'home', pod);
  const readme = join(home, 'PlanetaryComputerExamples', 'README.md');
  expect(readFileSync(readme, 'utf8')).toBe('# Planetary Computer examples\n');
  const settings = '.jupyter/lab/user-settings/@jupyterlab/docmanager-extension';
  expect(readFileSync(join(home, settings, 'plugin.jupyterlab-settings'), 'utf8')).toContain(
    'Markdown Preview',
  );
  expect(hub.log('hub')).toContain(
    `chart-local: postStart ['bash', '/usr/local/etc/pchub/singleuser/post-start.sh'] of ${pod}`,
  );

  await servers.stopServer(user);
  appendFileSync(readme, 'My notes.\n');
  commitExample('landsat.ipynb', '{}\n');
  await servers.startServer(user);
  expect(readFileSync(readme, 'utf8')).toBe('# Planetary Computer examples\nMy notes.\n');
  expect(readFileSync(join(home, 'PlanetaryComputerExamples', 'landsat.ipynb'), 'utf8')).toBe(
    '{}\n',
  );
  await servers.stopServer(user);
});
