// What the demo prints once everything runs: where to go, how to log in, what to try, and which
// parts are real and which are local stand-ins. The browser test reads it back.

export interface BannerInput {
  url: string;
  user: string;
  password: string;
  /** A user without a pc-id account: the hook fails open and the server starts without a key. */
  userWithoutKey: string;
  /** The stand-in subscription key the demo user's server gets. */
  key: string;
  keyVariable: string;
  /** The Dask Gateway notebook, relative to the user's home. */
  notebook: string;
}

const RULE = '-'.repeat(78);

export function banner(input: BannerInput): string {
  return [
    RULE,
    'Planetary Computer Hub: the chart, configured by itself, on this machine (loopback only)',
    '',
    `  Open:        ${input.url}`,
    '  Sign in with Planetary Computer, then on the pc-id sign-in page (a local stand-in):',
    `  Log in as:   ${input.user}`,
    `  Password:    ${input.password}`,
    `  (or as ${input.userWithoutKey} with the same password: no pc-id account, so the`,
    '   hook fails open and the server starts without a key)',
    '',
    "  Then choose one of the chart's environments and press Start. In JupyterLab open",
    `  File > New > Terminal and run:  echo $${input.keyVariable}`,
    `  It prints:   ${input.key}`,
    '               (issued by the API Management stand-in; not a real key)',
    `  Notebook:    ${input.notebook}`,
    '               (Run > Run All Cells: a Dask Gateway cluster with one worker computes,',
    '               then shuts down)',
    '',
    "  Real:        the chart rendered by helm over the released daskhub; z2jh 4.4.0's own",
    "               hub configuration in JupyterHub 5.5 from the hub image's packages;",
    '               configurable-http-proxy; usage-monitor, spawn-webhook and user-lookup',
    "               as the chart runs them; the chart's hook, profiles, templates, culler and",
    "               post-start hook; dask-gateway-server 2026.3.0 with the chart's config.",
    '  Stand-ins:   Kubernetes (servers, schedulers and workers are local processes;',
    '               Services are loopback addresses), pc-id (sign-in page, OAuth, user',
    '               directory), Azure Resource Manager / API Management (listSecrets) and',
    '               the managed-identity token endpoint. All on this machine.',
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
  notebook: string;
}

/** Reads the banner back from the demo's output (the browser test logs in with it). */
export function parseBanner(output: string): ParsedBanner | undefined {
  const field = (label: string) => new RegExp(`^  ${label}:\\s+(\\S+)$`, 'm').exec(output)?.[1];
  const values = {
    url: field('Open'),
    user: field('Log in as'),
    password: field('Password'),
    key: field('It prints'),
    notebook: field('Notebook'),
  };
  return Object.values(values).every((value) => value !== undefined)
    ? (values as ParsedBanner)
    : undefined;
}
