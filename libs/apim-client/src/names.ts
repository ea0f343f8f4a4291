import { isPlainBase, parseHttpUrl } from '@pchub/upstream';

/**
 * Azure's naming rules for what the key reader addresses, so a typo in a setting fails at
 * start with a clear message instead of as a 404 for every user. Each returns why a value
 * is wrong (to follow the setting's name in a message), or undefined when it is fine.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const SERVICE_NAME = /^[a-zA-Z](?:[a-zA-Z0-9-]{0,48}[a-zA-Z0-9])?$/;
const APIM_SUBSCRIPTION_ID = /^[^*#&+:<>?/\\%]{1,256}$/;

export function subscriptionIdProblem(value: unknown): string | undefined {
  return typeof value === 'string' && UUID.test(value) ? undefined : 'must be a UUID';
}

export function resourceGroupProblem(value: unknown): string | undefined {
  return typeof value === 'string' && RESOURCE_GROUP.test(value)
    ? undefined
    : "must be 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'";
}

export function serviceNameProblem(value: unknown): string | undefined {
  return typeof value === 'string' && SERVICE_NAME.test(value)
    ? undefined
    : "must be 1-50 letters, digits or '-', starting with a letter and not ending with '-'";
}

export function apimSubscriptionIdProblem(value: unknown): string | undefined {
  return typeof value === 'string' && APIM_SUBSCRIPTION_ID.test(value)
    ? undefined
    : 'must be 1-256 characters without * # & + : < > ? / \\ or %';
}

// The SDK refuses to send bearer tokens over http and derives the token scope from the
// endpoint, so it must be an https origin (optionally with a path) and nothing more.
export function armEndpointProblem(value: unknown): string | undefined {
  const url = parseHttpUrl(value, ['https:']);
  return url && isPlainBase(url)
    ? undefined
    : 'must be an https URL without credentials, query or fragment';
}
