// `npm run demo` ends here (scripts/demo.sh builds this bundle and runs it with Node 24): the
// deployment as the chart configures it, on loopback (@pchub/chart-hub): the chart rendered over
// the released daskhub, z2jh's own hub configuration in a real JupyterHub, our three services,
// Dask Gateway, user servers with JupyterLab, and stand-ins for what cannot run here (Kubernetes,
// pc-id, Azure). The demo adds only a values file (demo-values.ts), pc-id's sign-in page
// (sign-in-page.ts) and a demo user with a key. Ctrl-C stops all of it.
import { randomBytes } from 'node:crypto';
import { startChartHub } from '@pchub/chart-hub';
import type { RunningChartHub } from '@pchub/chart-hub';
import { banner } from './banner';
import { writeDemoValues } from './demo-values';
import { DASK_NOTEBOOK } from './paths';
import { messageOf, say } from './say';
import { Cleanup, onStopSignals } from './shutdown';
import { startSignInPage } from './sign-in-page';

const DEMO_USER = 'demo@example.com';
const NO_KEY_USER = 'nokey@example.com';
/** Where the chart's hook puts the key (spawn-webhook's answer) in the server's environment. */
const KEY_VARIABLE = 'PC_SDK_SUBSCRIPTION_KEY';

let stopping = false;

async function main(): Promise<void> {
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
  starting = start(cleanup);
  try {
    await starting;
  } catch (error) {
    say(`could not start: ${messageOf(error)}`);
    await cleanup.run();
    process.exit(1);
  }
}

async function start(cleanup: Cleanup): Promise<void> {
  const key = `demo-key-not-a-real-apim-key-${randomBytes(6).toString('hex')}`;
  const signInPage = await startSignInPage([DEMO_USER, NO_KEY_USER]);
  cleanup.add("pc-id's sign-in page", () => signInPage.close());
  const values = writeDemoValues(signInPage.authorizeUrl);
  cleanup.add("the demo's values", () => values.dispose());

  say('rendering the chart over the released daskhub and starting what it describes: the hub');
  say("  (z2jh's own config), the proxy, usage-monitor, spawn-webhook, user-lookup, the idle");
  say('  culler and Dask Gateway, with stand-ins for Kubernetes, pc-id and Azure…');
  const hub = await startChartHub({ deployment: 'staging', valuesFiles: [values.file] });
  cleanup.add('the chart hub and everything it started', () => hub.stop());
  if (stopping) return;
  hub.upstreams.addAccount(DEMO_USER, true, key);
  signInPage.serve({
    hubUrl: hub.url,
    clientId: hub.oauthClient.clientId,
    redirectUri: hub.oauthClient.redirectUri,
    approve: (email) => hub.oauth.approve(email),
  });

  process.stdout.write(
    `${banner({
      url: hub.url,
      user: DEMO_USER,
      password: signInPage.password,
      userWithoutKey: NO_KEY_USER,
      key,
      keyVariable: KEY_VARIABLE,
      notebook: `${examplesDirectory(hub)}/${DASK_NOTEBOOK}`,
    })}\n`,
  );
}

/** Where the post-start hook pulls the examples into, under the user's home (chart values). */
function examplesDirectory(hub: RunningChartHub): string {
  const singleuser = hub.values['singleuser'] as { extraEnv: Record<string, string> };
  return singleuser.extraEnv['PCHUB_EXAMPLES_DIRECTORY'] ?? '';
}

void main();
