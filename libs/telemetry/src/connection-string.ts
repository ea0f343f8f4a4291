import { parseHttpUrl } from '@pchub/upstream';

// Application Insights connection strings: `Key=Value;Key=Value`, keys case-insensitive.
// The exporter discards the whole string on one malformed pair (a trailing ';' included) and
// accepts only a lowercase UUID key, then throws at construction: we check and normalise first.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why `value` is not a usable connection string, or undefined when it is. Never echoes it. */
export function connectionStringProblem(value: string): string | undefined {
  const pairs = parsePairs(value);
  if (!pairs) return "must be Key=Value pairs separated by ';'";
  const key = pairs.get('instrumentationkey');
  if (key === undefined) return 'must contain InstrumentationKey=<uuid>';
  if (!UUID.test(key)) return 'InstrumentationKey must be a UUID';
  const endpoint = pairs.get('ingestionendpoint');
  if (endpoint !== undefined && !parseHttpUrl(endpoint)) {
    return 'IngestionEndpoint must be an http(s) URL';
  }
  return undefined;
}

/** The same connection string without empty segments or blanks, and the key in lowercase. */
export function normaliseConnectionString(value: string): string {
  return [...(parsePairs(value) ?? new Map<string, string>())]
    .map(([key, v]) => `${canonicalKey(key)}=${key === 'instrumentationkey' ? v.toLowerCase() : v}`)
    .join(';');
}

/** The instrumentation key, to keep it out of log lines. */
export function instrumentationKeyOf(value: string): string | undefined {
  return parsePairs(value)?.get('instrumentationkey');
}

// Lower-cased keys -> values; undefined when a segment is not exactly one `key=value`.
function parsePairs(value: string): Map<string, string> | undefined {
  const pairs = new Map<string, string>();
  for (const segment of value.split(';')) {
    if (segment.trim() === '') continue;
    const parts = segment.split('=');
    if (parts.length !== 2 || !parts[0]?.trim() || !parts[1]?.trim()) return undefined;
    pairs.set(parts[0].trim().toLowerCase(), parts[1].trim());
  }
  return pairs.size > 0 ? pairs : undefined;
}

// Spelling the portal uses, so a normalised string still reads like the original.
function canonicalKey(key: string): string {
  const known: Record<string, string> = {
    instrumentationkey: 'InstrumentationKey',
    ingestionendpoint: 'IngestionEndpoint',
    liveendpoint: 'LiveEndpoint',
    applicationid: 'ApplicationId',
    endpointsuffix: 'EndpointSuffix',
    location: 'Location',
    aadaudience: 'AADAudience',
    authorization: 'Authorization',
  };
  return known[key] ?? key;
}
