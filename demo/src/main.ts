// `npm run demo` ends here (scripts/demo.sh builds this bundle and runs it with Node 24): a real
// JupyterHub on loopback with our three services, the chart's hook, roles and profiles, and local
// stand-ins for pc-id and API Management seeded with a demo user. Ctrl-C stops all of it.
import { randomBytes } from 'node:crypto';
import { KEY_VARIABLE, spawnServices, startHub } from '@pchub/hub-harness';
import { startSpawnUpstreams } from '@pchub/test-support';
import { banner } from './banner';
import { readChart } from './chart';
import { demoHubOptions, MONITOR_INTERVAL_SECONDS, tokenServiceNames } from './hub-options';
import { messageOf, say } from './say';
import type { DemoSettings } from './settings';
import { loadSettings } from './settings';
import { Cleanup, onStopSignals } from './shutdown';

const DEMO_USER = 'demo@example.com';
const NO_KEY_USER = 'nokey@example.com';
const ANNOUNCEMENT = 'Local demo — pc-id and API Management are stand-ins; the key is not real.';

let stopping = false;

async function main(): Promise<void> {
  const settings = await loadSettings();
  const cleanup = new Cleanup();
  let starting: Promise<void> = Promise.resolve();
  onStopSignals(() => {
    stopping = true;
    // A start under way finishes first, so everything it started is known and gets stopped.
    void starting
      .catch(() => undefined)
      .then(() => cleanup.run())
      .then(() => {
        say('stopped; nothing it started is left running');
        process.exit(0);
      });
  });
  starting = start(settings, cleanup);
  try {
    await starting;
  } catch (error) {
    say(`could not start: ${messageOf(error)}`);
    await cleanup.run();
    process.exit(1);
  }
}

async function start(settings: DemoSettings, cleanup: Cleanup): Promise<void> {
  const chart = readChart();
  const password = randomBytes(9).toString('base64url');
  const key = `demo-key-not-a-real-apim-key-${randomBytes(6).toString('hex')}`;

  say('starting the local stand-ins: pc-id, Azure Resource Manager / API Management, and the');
  say('  managed-identity token endpoint…');
  const upstreams = await startSpawnUpstreams();
  cleanup.add('the stand-ins', () => upstreams.close());
  upstreams.addAccount(DEMO_USER, true, key);

  say('starting JupyterHub with usage-monitor, spawn-webhook and user-lookup…');
  const serviceTokens = Object.fromEntries(
    tokenServiceNames(chart).map((name) => [name, randomBytes(32).toString('hex')]),
  );
  const hub = await startHub(
    demoHubOptions({
      chart,
      spawnServices: spawnServices(upstreams),
      serviceTokens,
      users: [DEMO_USER, NO_KEY_USER],
      password,
      announcement: ANNOUNCEMENT,
      ...(settings.port === undefined ? {} : { publicPort: settings.port }),
    }),
  );
  cleanup.add('JupyterHub and everything it started', () => hub.stop());
  if (stopping) return;

  process.stdout.write(
    `${banner({
      url: hub.url,
      user: DEMO_USER,
      password,
      userWithoutKey: NO_KEY_USER,
      key,
      keyVariable: KEY_VARIABLE,
      metricsUrl: `${hub.serviceUrl('usage-monitor')}metrics`,
      monitorIntervalSeconds: MONITOR_INTERVAL_SECONDS,
    })}\n`,
  );
}

void main();
