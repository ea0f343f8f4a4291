// What the demo prints once everything runs: where to go, how to log in, what to look at, and
// which parts are real and which are local stand-ins. The browser test reads it back.

export interface BannerInput {
  url: string;
  user: string;
  password: string;
  /** A user without a pc-id account: the hook fails open and the server starts without a key. */
  userWithoutKey: string;
  /** The stand-in subscription key the demo user's server gets. */
  key: string;
  keyVariable: string;
  metricsUrl: string;
  monitorIntervalSeconds: number;
}

const RULE = '-'.repeat(78);

export function banner(input: BannerInput): string {
  return [
    RULE,
    'Planetary Computer Hub: local demo (loopback only; not for production use)',
    '',
    `  Open:        ${input.url}`,
    `  Log in as:   ${input.user}`,
    `  Password:    ${input.password}`,
    `  (or as ${input.userWithoutKey} with the same password: no pc-id account, so the`,
    '   hook fails open and the server starts without a key)',
    '',
    '  Then choose an environment and press Start. In JupyterLab open File > New > Terminal',
    `  and run:     echo $${input.keyVariable}`,
    `  It prints:   ${input.key}`,
    '               (issued by the API Management stand-in; not a real key)',
    '',
    `  Metrics:     ${input.metricsUrl}`,
    `               (your server appears under its profile within ~${input.monitorIntervalSeconds} s; open`,
    '               without a token for this demo only: production requires read:metrics)',
    '',
    '  Real:        JupyterHub 5.5 and configurable-http-proxy; usage-monitor, spawn-webhook',
    "               and user-lookup (their dist/apps bundles) registered with the chart's",
    "               roles and custom scopes; the chart's pre_spawn_hook; the Azure SDK",
    '               credential chain (DefaultAzureCredential) and APIM client.',
    '  Stand-ins:   pc-id (user directory), Azure Resource Manager / API Management',
    '               (listSecrets), the managed-identity token endpoint, and the login',
    '               (a password instead of pc-id OAuth). All local, all in this process.',
    '',
    '  Ctrl-C stops everything.',
    RULE,
  ].join('\n');
}

export interface ParsedBanner {
  url: string;
  user: string;
  password: string;
  key: string;
  metricsUrl: string;
}

/** Reads the banner back from the demo's output (the browser test logs in with it). */
export function parseBanner(output: string): ParsedBanner | undefined {
  const field = (label: string) => new RegExp(`^  ${label}:\\s+(\\S+)$`, 'm').exec(output)?.[1];
  const values = {
    url: field('Open'),
    user: field('Log in as'),
    password: field('Password'),
    key: field('It prints'),
    metricsUrl: field('Metrics'),
  };
  return Object.values(values).every((value) => value !== undefined)
    ? (values as ParsedBanner)
    : undefined;
}
