import { apimSubscriptionIdProblem, type ApimKeyReader } from '@pchub/apim-client';
import { type Answer, LookupCache } from '@pchub/lookup-cache';
import type { Logger } from '@pchub/service-runtime';
import { UpstreamError } from '@pchub/upstream';
import type { ApimServiceWatch } from './apim-service';
import type { Upstream, UpstreamOutcome, WebhookMetrics } from './metrics';
import type { UserLookupClient } from './user-lookup-client';

export type MissKind = 'user_not_found' | 'subscription_not_found';
/** The user's APIM primary key, or why there is none. */
export type KeyAnswer = Answer<string, MissKind>;

export interface SubscriptionKeysOptions {
  userLookup: Pick<UserLookupClient, 'pkOf'>;
  apim: Pick<ApimKeyReader, 'primaryKey'>;
  /** Whether the APIM service exists: while it does not, every lookup is an upstream error. */
  service: Pick<ApimServiceWatch, 'assertPresent' | 'confirm'>;
  /** APIM_SUBSCRIPTION_ID_TEMPLATE, with {pk}. */
  template: string;
  ttlSeconds: number;
  missTtlSeconds: number;
  metrics: WebhookMetrics;
  logger: Logger;
}

// The APIM subscription id for a pc-id account number.
function apimSubscriptionId(template: string, pk: number): string {
  return template.replaceAll('{pk}', String(pk));
}

/** Why a template is unusable: it must name the account, and every id it yields be one APIM accepts. */
export function templateProblem(template: string): string | undefined {
  if (!template.includes('{pk}')) return 'must contain {pk}';
  const problem = apimSubscriptionIdProblem(apimSubscriptionId(template, 1));
  return problem && `with {pk} filled in ${problem}`;
}

/**
 * Hub username -> APIM primary key (user-lookup for the pk, then ARM listSecrets), through one
 * cache: keys for the TTL, misses (and which kind) briefly, concurrent requests for a user
 * sharing one lookup, each request waiting no longer than its own deadline.
 */
export class SubscriptionKeys {
  private readonly cache: LookupCache<string, string, MissKind>;

  constructor(private readonly options: SubscriptionKeysOptions) {
    const { ttlSeconds, missTtlSeconds } = options;
    this.cache = new LookupCache({ ttlSeconds, missTtlSeconds }, (user, signal) =>
      this.lookUp(user, signal),
    );
  }

  /** The user's key or why there is none; an `upstream_timeout` once `deadline` fires. */
  async find(user: string, deadline: AbortSignal): Promise<KeyAnswer> {
    // a wrong setting is no user's answer: neither a cached one nor a new one
    this.options.service.assertPresent();
    const { answer, outcome } = await this.cache.get(user, deadline);
    this.options.metrics.cache(outcome);
    return answer;
  }

  // One real upstream chain per uncached user; coalesced requests and hits never get here.
  private async lookUp(user: string, signal: AbortSignal): Promise<KeyAnswer> {
    const pk = await this.call('user_lookup', () => this.options.userLookup.pkOf(user, signal));
    if (pk === null) return { missing: 'user_not_found' };
    const sid = apimSubscriptionId(this.options.template, pk);
    const key = await this.call('arm', () => this.options.apim.primaryKey(sid, signal));
    if (key !== null) return { found: key };
    // ARM says the same ResourceNotFound for a missing service as for a missing subscription
    await this.options.service.confirm(signal);
    return { missing: 'subscription_not_found' };
  }

  // Counts and times each upstream call; failures are logged once here (by code, never a secret).
  private async call<T>(upstream: Upstream, run: () => Promise<T | null>): Promise<T | null> {
    const started = performance.now();
    let outcome: UpstreamOutcome = 'upstream_error';
    try {
      const value = await run();
      outcome = value === null ? 'not_found' : 'found';
      return value;
    } catch (error) {
      if (error instanceof UpstreamError) {
        outcome = error.code;
        this.options.logger.warn(
          { code: error.code, upstream: error.upstream, reason: error.message },
          'upstream call failed',
        );
      }
      throw error;
    } finally {
      this.options.metrics.upstream(upstream, outcome, (performance.now() - started) / 1000);
    }
  }
}
