// The demo's own environment variables, checked before anything starts.
import { writeSync } from 'node:fs';
import { portInUse } from '@pchub/hub-harness';

export interface DemoSettings {
  /** Fixed port of the hub's public URL; a free one when unset. */
  port?: number;
}

export type SettingsResult = { ok: true; settings: DemoSettings } | { ok: false; error: string };

export function parseSettings(env: NodeJS.ProcessEnv): SettingsResult {
  const raw = env['DEMO_PORT']?.trim();
  if (raw === undefined || raw === '') return { ok: true, settings: {} };
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    return { ok: false, error: 'DEMO_PORT: must be a port number from 1 to 65535' };
  }
  return { ok: true, settings: { port } };
}

/**
 * Parsed settings, with a fixed port checked to be free: the hub cannot tell a taken port from
 * a slow start. Anything wrong ends the process as the services do: one line, exit status 2.
 */
export async function loadSettings(env: NodeJS.ProcessEnv = process.env): Promise<DemoSettings> {
  const result = parseSettings(env);
  if (!result.ok) configError(result.error);
  const { port } = result.settings;
  if (port !== undefined && (await portInUse(port))) {
    configError(`DEMO_PORT: port ${port} is in use on 127.0.0.1`);
  }
  return result.settings;
}

function configError(message: string): never {
  writeSync(2, `config error: ${message}\n`);
  process.exit(2);
}
