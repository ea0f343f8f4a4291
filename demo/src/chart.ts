// What the demo takes from the chart (helm/pchub/values.yaml), so the local hub registers the
// services, roles, custom scopes and profiles production has, not a copy that drifts from them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { repoRoot } from './paths';

export const VALUES_FILE = join(repoRoot, 'helm/pchub/values.yaml');
export const CHART_TEMPLATES_DIR = join(repoRoot, 'helm/pchub/files/hub/templates');

export interface ChartRole {
  name: string;
  scopes: string[];
  services: string[];
}

export interface ChartProfile {
  slug: string;
  displayName: string;
  /** HTML, as KubeSpawner shows it. */
  description: string;
  default: boolean;
}

export interface ChartHub {
  customScopes: Record<string, { description: string }>;
  /** Names of hub.services, in the chart's order. */
  serviceNames: string[];
  roles: ChartRole[];
  profiles: ChartProfile[];
  /** hub.extraEnv entries given as plain strings (not secretKeyRef). */
  plainHubEnv: Record<string, string>;
  /**
   * hub.extraEnv entries that hold a hub service's generated token (the jupyterhub chart's
   * Secret key `hub.services.<name>.apiToken`): variable -> service name.
   */
  serviceTokenEnv: Record<string, string>;
  defaultUrl: string;
  templateVars: Record<string, unknown>;
}

// Only the parts the demo reads; anything else in values.yaml is left alone.
const valuesSchema = z.object({
  daskhub: z.object({
    jupyterhub: z.object({
      hub: z.object({
        config: z.object({
          JupyterHub: z.object({
            custom_scopes: z.record(z.string(), z.object({ description: z.string() })),
          }),
        }),
        extraEnv: z.record(z.string(), z.unknown()),
        services: z.record(z.string(), z.unknown()),
        loadRoles: z.record(
          z.string(),
          z.object({ scopes: z.array(z.string()), services: z.array(z.string()).default([]) }),
        ),
        templateVars: z.record(z.string(), z.unknown()).default({}),
      }),
      singleuser: z.object({
        defaultUrl: z.string(),
        profileList: z
          .array(
            z.object({
              slug: z.string().min(1),
              display_name: z.string().min(1),
              description: z.string().default(''),
              default: z.boolean().default(false),
            }),
          )
          .min(1),
      }),
    }),
  }),
});

/** Reads the chart's hub settings; a layout the demo does not understand fails naming the path. */
export function readChart(valuesFile = VALUES_FILE): ChartHub {
  const parsed = valuesSchema.safeParse(parse(readFileSync(valuesFile, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${valuesFile}: ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'unexpected layout'}`,
    );
  }
  const { hub, singleuser } = parsed.data.daskhub.jupyterhub;
  return {
    customScopes: hub.config.JupyterHub.custom_scopes,
    serviceNames: Object.keys(hub.services),
    roles: Object.entries(hub.loadRoles).map(([name, role]) => ({
      name,
      scopes: role.scopes,
      services: role.services,
    })),
    profiles: singleuser.profileList.map((profile) => ({
      slug: profile.slug,
      displayName: profile.display_name,
      description: profile.description,
      default: profile.default,
    })),
    plainHubEnv: plainStrings(hub.extraEnv),
    serviceTokenEnv: serviceTokens(hub.extraEnv),
    defaultUrl: singleuser.defaultUrl,
    templateVars: hub.templateVars,
  };
}

// Secret references (valueFrom) only exist in a cluster; the demo supplies those itself.
function plainStrings(env: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

const SERVICE_TOKEN_KEY = /^hub\.services\.([^.]+)\.apiToken$/;

// In a cluster these come from the jupyterhub chart's Secret; locally the demo hands them out.
function serviceTokens(env: Record<string, unknown>): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [variable, value] of Object.entries(env)) {
    const key = (value as { valueFrom?: { secretKeyRef?: { key?: unknown } } } | null)?.valueFrom
      ?.secretKeyRef?.key;
    const service = typeof key === 'string' ? SERVICE_TOKEN_KEY.exec(key)?.[1] : undefined;
    if (service !== undefined) found[variable] = service;
  }
  return found;
}
