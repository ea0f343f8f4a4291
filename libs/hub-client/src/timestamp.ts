// JupyterHub writes naive UTC datetimes as `isoformat() + 'Z'`: microseconds only when non-zero,
// and older hubs or proxies may send `+00:00` or no zone at all.
const HUB_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses a hub timestamp; a missing zone means UTC (the hub stores naive UTC). */
export function parseHubTimestamp(value: string): Date {
  const match = typeof value === 'string' ? HUB_TIMESTAMP.exec(value) : null;
  if (!match) throw new RangeError(`not a hub timestamp: ${describe(value)}`);
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match
    .slice(1, 7)
    .map(Number);
  const fraction = match[7] ?? '';
  const zone = match[8];
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const local = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  // Date.UTC silently rolls 2024-02-30 over to March 1st; reading the fields back catches that
  const rolledOver =
    local.getUTCFullYear() !== year ||
    local.getUTCMonth() !== month - 1 ||
    local.getUTCDate() !== day ||
    local.getUTCHours() !== hour ||
    local.getUTCMinutes() !== minute ||
    local.getUTCSeconds() !== second;
  if (rolledOver) throw new RangeError(`not a hub timestamp: ${describe(value)}`);
  return new Date(local.getTime() - zoneOffsetMs(zone));
}

// `+01:00` means local time runs one hour ahead of UTC, so UTC = local - offset.
function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

// Error messages quote the bad value, cut short so a huge field cannot flood the logs.
function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
