import type { ServiceEnv } from './config';

export interface ListenAddress {
  host: string;
  port: number;
}

/** JupyterHub's JUPYTERHUB_SERVICE_URL wins (managed services), else HOST:PORT. */
export function listenAddress(env: ServiceEnv): ListenAddress {
  if (!env.JUPYTERHUB_SERVICE_URL) return { host: env.HOST, port: env.PORT };
  const url = new URL(env.JUPYTERHUB_SERVICE_URL);
  // URL keeps IPv6 literals in brackets; listen() wants the bare address
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : 80 };
}

/** The base URL a client uses, e.g. http://127.0.0.1:8000/services/x/. */
export function baseUrl(host: string, port: number, prefix: string): string {
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${port}${prefix}`;
}
