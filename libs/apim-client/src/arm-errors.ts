import { UpstreamError } from '@pchub/upstream';

const UPSTREAM = 'arm';
// ARM error codes are identifiers; anything else is not echoed (it could carry data).
const SAFE_CODE = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;
// A 404 for these means the configuration names a missing subscription or resource group,
// which must not read as "this user has no APIM subscription".
const CONFIGURATION_NOT_FOUND = new Set(['SubscriptionNotFound', 'ResourceGroupNotFound']);
const CREDENTIAL_ERRORS = new Set([
  'AggregateAuthenticationError',
  'AuthenticationError',
  'AuthenticationRequiredError',
  'CredentialUnavailableError',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  details?: unknown;
}

/** The part of the API Management service's path ARM says does not exist. */
export type MissingPart = 'azure_subscription' | 'resource_group' | 'service';

// ARM's gateway answers these two before the request reaches API Management
// (azure-resource-manager-rpc, resource-api-reference: GET of a resource).
const MISSING_PARTS: Record<string, MissingPart> = {
  SubscriptionNotFound: 'azure_subscription',
  ResourceGroupNotFound: 'resource_group',
};

/** What a GET of the service says is missing (any other 404 is the service), else undefined. */
export function missingPartOf(error: unknown): MissingPart | undefined {
  const shape = (error ?? {}) as ErrorShape;
  if (shape.statusCode !== 404) return undefined;
  return MISSING_PARTS[armCode(shape) ?? ''] ?? 'service';
}

/** True when ARM said the APIM subscription itself does not exist. */
export function isSubscriptionNotFound(error: unknown): boolean {
  const shape = (error ?? {}) as ErrorShape;
  return shape.statusCode === 404 && !CONFIGURATION_NOT_FOUND.has(armCode(shape) ?? '');
}

/** Turns anything listSecrets threw into an UpstreamError whose message holds no secret. */
export function toUpstreamError(error: unknown, signal: AbortSignal): UpstreamError {
  if (signal.aborted) {
    return new UpstreamError(
      'upstream_timeout',
      UPSTREAM,
      'Azure Resource Manager did not answer within the deadline',
    );
  }
  return new UpstreamError('upstream_error', UPSTREAM, describe((error ?? {}) as ErrorShape));
}

function describe(error: ErrorShape): string {
  if (typeof error.name === 'string' && CREDENTIAL_ERRORS.has(error.name)) {
    return 'could not get an Azure access token for Azure Resource Manager';
  }
  if (error.code === 'PARSE_ERROR')
    return 'Azure Resource Manager sent a body that is not valid JSON';
  if (typeof error.statusCode === 'number') {
    const code = armCode(error);
    return `Azure Resource Manager answered ${error.statusCode}${code ? ` (${code})` : ''}`;
  }
  const code =
    typeof error.code === 'string' && SAFE_CODE.test(error.code) ? `: ${error.code}` : '';
  return `could not reach Azure Resource Manager${code}`;
}

// The ARM error code (`{"error":{"code"}}`), which the SDK puts in `code` or in `details`.
function armCode(error: ErrorShape): string | undefined {
  const details = error.details as { error?: { code?: unknown } } | undefined;
  const candidates = [details?.error?.code, error.code];
  return candidates.find((c): c is string => typeof c === 'string' && SAFE_CODE.test(c));
}
