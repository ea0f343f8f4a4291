import { ApiManagementClient } from '@azure/arm-apimanagement';
import { UpstreamError } from '@pchub/upstream';
import { untilAborted } from './abort';
import {
  isSubscriptionNotFound,
  type MissingPart,
  missingPartOf,
  toUpstreamError,
} from './arm-errors';
import { abortBoundCredential } from './bounded-credential';
import { checkApimSubscriptionId, validateOptions } from './options';
import type { ApimKeyReaderOptions } from './options';

/** Reads the primary key of an API Management subscription through Azure Resource Manager. */
export class ApimKeyReader {
  readonly #client: ApiManagementClient;
  readonly #resourceGroup: string;
  readonly #serviceName: string;

  constructor(options: ApimKeyReaderOptions) {
    const valid = validateOptions(options);
    this.#resourceGroup = valid.resourceGroup;
    this.#serviceName = valid.serviceName;
    this.#client = new ApiManagementClient(
      abortBoundCredential(valid.credential),
      valid.subscriptionId,
      {
        endpoint: valid.armEndpoint,
        // One retry rides out a blip within the deadline; more would turn a persistent 5xx
        // into a timeout instead of a prompt, clear upstream error.
        retryOptions: { maxRetries: 1 },
      },
    );
  }

  /**
   * Which part of the configured path does not exist (the Azure subscription, the resource group
   * or the API Management service), or null when the service is there: a GET of the service.
   * Rejects with UpstreamError when ARM cannot tell (refused, failing, too slow).
   */
  async missingPart(signal: AbortSignal): Promise<MissingPart | null> {
    if (signal.aborted) throw toUpstreamError(signal.reason, signal);
    try {
      const request = this.#client.apiManagementService.get(
        this.#resourceGroup,
        this.#serviceName,
        { abortSignal: signal },
      );
      await untilAborted(request, signal);
      return null;
    } catch (error) {
      const missing = signal.aborted ? undefined : missingPartOf(error);
      if (missing) return missing;
      throw toUpstreamError(error, signal);
    }
  }

  /**
   * The subscription's primary key, or null when the subscription does not exist.
   * Rejects with UpstreamError ('upstream_timeout' once `signal` aborts, else 'upstream_error').
   */
  async primaryKey(apimSubscriptionId: string, signal: AbortSignal): Promise<string | null> {
    checkApimSubscriptionId(apimSubscriptionId);
    // Nothing is started for a caller that already gave up.
    if (signal.aborted) throw toUpstreamError(signal.reason, signal);
    let keys: { primaryKey?: string };
    try {
      const request = this.#client.subscription.listSecrets(
        this.#resourceGroup,
        this.#serviceName,
        apimSubscriptionId,
        {
          abortSignal: signal,
        },
      );
      keys = await untilAborted(request, signal);
    } catch (error) {
      if (!signal.aborted && isSubscriptionNotFound(error)) return null;
      throw toUpstreamError(error, signal);
    }
    if (typeof keys.primaryKey !== 'string' || keys.primaryKey.length === 0) {
      throw new UpstreamError(
        'upstream_error',
        'arm',
        'Azure Resource Manager answered without a primary key',
      );
    }
    return keys.primaryKey;
  }
}
