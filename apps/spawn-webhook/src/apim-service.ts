import type { ApimKeyReader, MissingPart } from '@pchub/apim-client';
import type { Logger } from '@pchub/service-runtime';
import { UpstreamError } from '@pchub/upstream';

export interface ApimServiceWatchOptions {
  reader: Pick<ApimKeyReader, 'missingPart'>;
  /** APIM_SERVICE_CHECK_SECONDS, in ms: how often ARM is asked again. */
  intervalMs: number;
  /** UPSTREAM_DEADLINE_MS: one check's deadline. */
  deadlineMs: number;
  logger: Logger;
}

// The setting an operator fixes for each missing part, and what ARM said about it.
const PROBLEMS: Record<MissingPart, { setting: string; problem: string }> = {
  service: {
    setting: 'APIM_SERVICE_NAME',
    problem:
      'Azure Resource Manager has no API Management service of that name in APIM_RESOURCE_GROUP',
  },
  resource_group: {
    setting: 'APIM_RESOURCE_GROUP',
    problem: 'Azure Resource Manager has no resource group of that name in AZURE_SUBSCRIPTION_ID',
  },
  azure_subscription: {
    setting: 'AZURE_SUBSCRIPTION_ID',
    problem: 'Azure Resource Manager knows no subscription of that id (for the webhook identity)',
  },
};

/**
 * Whether the API Management service the settings name exists: checked at start, every
 * interval, and again before a missing APIM subscription is believed. While ARM says it does
 * not, the webhook is not ready and every spawn is an upstream error (never a cached miss);
 * once it does (the service created or renamed in Azure), the webhook recovers by itself.
 */
export class ApimServiceWatch {
  private missing: MissingPart | null = null;
  private checking: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: ApimServiceWatchOptions) {}

  /** Checks now, then every interval until stop(). */
  start(): void {
    const next = () => {
      if (this.stopped) return;
      void this.check().finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(next, this.options.intervalMs);
        // a check pending must not hold the process open at shutdown
        this.timer.unref();
      });
    };
    next();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Why the webhook is not ready (the setting to fix), or undefined. */
  problem(): string | undefined {
    if (!this.missing) return undefined;
    const { setting, problem } = PROBLEMS[this.missing];
    return `${setting}: ${problem}`;
  }

  /** Throws the spawn's upstream error while the service is known to be missing. */
  assertPresent(): void {
    const problem = this.problem();
    if (problem) throw new UpstreamError('upstream_error', 'arm', problem);
  }

  /**
   * Before a missing APIM subscription is believed (and cached for KEY_MISS_TTL_SECONDS): ARM
   * answers the same ResourceNotFound when the service itself is gone, so it is asked now (one
   * check shared by every caller waiting, within `signal`).
   */
  async confirm(signal: AbortSignal): Promise<void> {
    await Promise.race([this.check(), aborted(signal)]);
    this.assertPresent();
  }

  // One check at a time; its outcome is logged only when it changes the state.
  private check(): Promise<void> {
    this.checking ??= this.askArm().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async askArm(): Promise<void> {
    const { reader, deadlineMs, logger } = this.options;
    let missing: MissingPart | null;
    try {
      missing = await reader.missingPart(AbortSignal.timeout(deadlineMs));
    } catch (error) {
      // ARM cannot tell (unreachable, refusing the identity): keep what was known
      logger.warn(
        { code: 'apim_check_failed', reason: (error as Error).message },
        'could not check that the API Management service exists',
      );
      return;
    }
    if (missing === this.missing) return;
    this.missing = missing;
    if (missing) {
      logger.error(
        { code: 'apim_service_missing', setting: PROBLEMS[missing].setting },
        `${this.problem()}: not ready, spawns get 502 until it exists`,
      );
    } else {
      logger.info({ code: 'apim_service_found' }, 'the API Management service exists: ready');
    }
  }
}

// Rejects once the caller's deadline passes, as an upstream timeout.
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () =>
      reject(
        new UpstreamError(
          'upstream_timeout',
          'arm',
          'checking the API Management service took too long',
        ),
      );
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
