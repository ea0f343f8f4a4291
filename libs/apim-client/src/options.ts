import type { TokenCredential } from '@azure/identity';
import {
  apimSubscriptionIdProblem,
  armEndpointProblem,
  resourceGroupProblem,
  serviceNameProblem,
  subscriptionIdProblem,
} from './names';

export interface ApimKeyReaderOptions {
  /** Azure subscription holding the API Management service (a UUID). */
  subscriptionId: string;
  resourceGroup: string;
  /** Name of the API Management service. */
  serviceName: string;
  /** Azure Resource Manager, e.g. https://management.azure.com. */
  armEndpoint: string;
  credential: TokenCredential;
}

/** Checks the options, returning them with the endpoint normalised (no trailing slash). */
export function validateOptions(options: ApimKeyReaderOptions): ApimKeyReaderOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('ApimKeyReader: options must be an object');
  }
  check('subscriptionId', subscriptionIdProblem(options.subscriptionId));
  check('resourceGroup', resourceGroupProblem(options.resourceGroup));
  check('serviceName', serviceNameProblem(options.serviceName));
  check('armEndpoint', armEndpointProblem(options.armEndpoint));
  if (typeof options.credential?.getToken !== 'function') {
    throw new TypeError('ApimKeyReader: credential must be a TokenCredential (with getToken)');
  }
  const url = new URL(options.armEndpoint);
  // The SDK appends paths and the scope suffix to the endpoint: no trailing slash.
  return { ...options, armEndpoint: `${url.origin}${url.pathname}`.replace(/\/+$/, '') };
}

/** Checks an APIM subscription id before it becomes a path segment. */
export function checkApimSubscriptionId(value: string): void {
  check('apimSubscriptionId', apimSubscriptionIdProblem(value));
}

function check(name: string, problem: string | undefined): void {
  if (problem !== undefined) throw new TypeError(`ApimKeyReader: ${name} ${problem}`);
}
