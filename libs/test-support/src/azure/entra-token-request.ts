import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from '../faults';

/** Why Entra ID refuses a token request: the HTTP status and its OAuth error. */
export interface Refusal {
  status: number;
  /** OAuth error, e.g. invalid_client. */
  error: string;
  /** The AADSTS number MSAL reports. */
  code: number;
  description: string;
}

/** What the token endpoint accepts: one app federated with one service-account token. */
export interface ExpectedClient {
  tenantId: string;
  clientId: string;
  federatedToken: string;
}

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * Checks a client-credentials request with a federated assertion as Entra ID does, so a client
 * that drifts from the protocol (wrong tenant, assertion, scope form) fails here as it would
 * there. Descriptions never repeat the assertion.
 */
export function refusalOf(
  tenant: string,
  form: URLSearchParams,
  expected: ExpectedClient,
): Refusal | null {
  const checks: Array<[failed: boolean, refusal: Refusal]> = [
    [
      tenant !== expected.tenantId,
      refusal(400, 'invalid_request', 90002, `Tenant '${tenant}' not found.`),
    ],
    [
      form.get('grant_type') !== 'client_credentials',
      refusal(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.'),
    ],
    [
      form.get('client_id') !== expected.clientId,
      refusal(400, 'unauthorized_client', 700016, 'Application not found in the directory.'),
    ],
    [
      form.get('client_assertion_type') !== JWT_BEARER,
      refusal(400, 'invalid_request', 900144, `client_assertion_type must be '${JWT_BEARER}'.`),
    ],
    [
      form.get('client_assertion') !== expected.federatedToken,
      refusal(400, 'invalid_client', 700213, 'No matching federated identity record found.'),
    ],
    [
      !/^\S+\/\.default$/.test(form.get('scope') ?? ''),
      refusal(400, 'invalid_scope', 1002012, 'Client credential flows need a /.default scope.'),
    ],
  ];
  return checks.find(([failed]) => failed)?.[1] ?? null;
}

/** A refusal for an injected status: throttling and outages are temporary, the rest not. */
export function injectedRefusal(status: number): Refusal {
  return status === 429 || status >= 500
    ? refusal(status, 'temporarily_unavailable', 50196, 'Injected fault: try again later.')
    : refusal(status, 'invalid_client', 7000215, 'Injected fault: the client was refused.');
}

/** Writes Entra ID's OAuth error body (MSAL reads error, error_codes and error_description). */
export function sendRefusal(
  res: ServerResponse,
  refusal: Refusal,
  headers: Record<string, string> = {},
): void {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString();
  sendJson(
    res,
    refusal.status,
    {
      error: refusal.error,
      error_description: `AADSTS${refusal.code}: ${refusal.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [refusal.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
    },
    headers,
  );
}

function refusal(status: number, error: string, code: number, description: string): Refusal {
  return { status, error, code, description };
}
