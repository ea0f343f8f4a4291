// JupyterHub writes naive UTC datetimes as `isoformat() + 'Z'`: microseconds only when non-zero,
// and older hubs or proxies may send `+00:00` or no zone at all. Accepted, in full:
//   YYYY-MM-DDTHH:MM:SS, then optionally `.` and 1 to 9 digits, then optionally
//   `Z`, `+HH:MM`, `-HH:MM`, `+HHMM` or `-HHMM`.
// The hub client reads two per server of every listed user (110,000 per cycle at 50,000 users),
// so this reads the characters in place: no regex match arrays, no substrings, no
// throw-away Dates, and no Date.UTC (a runtime call costing as much as all the rest).

const MS_PER_DAY = 86_400_000;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
// Date.UTC read years 0-99 as 1900-1999, so such a timestamp never parsed; it can only be garbage.
const MIN_YEAR = 100;
const MAX_FRACTION_DIGITS = 9;
const DATE_TIME_LENGTH = 'YYYY-MM-DDTHH:MM:SS'.length;
const ZERO = 0x30;
const DOT = 0x2e;
const DASH = 0x2d;
const PLUS = 0x2b;
const COLON = 0x3a;
const UPPER_T = 0x54;
const UPPER_Z = 0x5a;

/** Parses a hub timestamp; a missing zone means UTC (the hub stores naive UTC). */
export function parseHubTimestamp(value: string): Date {
  const ms = hubTimestampMs(value);
  if (Number.isNaN(ms)) throw new RangeError(`not a hub timestamp: ${describe(value)}`);
  return new Date(ms);
}

/** A hub timestamp in epoch milliseconds; NaN when `value` is not one. */
export function hubTimestampMs(value: unknown): number {
  if (typeof value !== 'string' || value.length < DATE_TIME_LENGTH) return Number.NaN;
  const century = twoDigits(value, 0);
  const yearOfCentury = twoDigits(value, 2);
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const hour = twoDigits(value, 11);
  const minute = twoDigits(value, 14);
  const second = twoDigits(value, 17);
  // any -1 (not two digits) makes the bitwise or negative
  const digitsOk = (century | yearOfCentury | month | day | hour | minute | second) >= 0;
  if (!digitsOk || !hasDateTimeSeparators(value)) return Number.NaN;
  const year = century * 100 + yearOfCentury;
  if (!isRealTime(year, month, day, hour, minute, second)) return Number.NaN;
  const fractionEnd = value.charCodeAt(DATE_TIME_LENGTH) === DOT ? digitsEnd(value) : -1;
  const zoneAt = fractionEnd === -1 ? DATE_TIME_LENGTH : fractionEnd;
  const digits = zoneAt - DATE_TIME_LENGTH - 1;
  if (fractionEnd !== -1 && (digits < 1 || digits > MAX_FRACTION_DIGITS)) return Number.NaN;
  const offset = zoneOffsetMs(value, zoneAt);
  if (Number.isNaN(offset)) return Number.NaN;
  const millis = fractionEnd === -1 ? 0 : milliseconds(value, digits);
  const seconds = hour * 3600 + minute * 60 + second;
  return daysSinceEpoch(year, month, day) * MS_PER_DAY + seconds * 1000 + millis - offset;
}

// The number written by two ASCII digits at `at`; -1 when they are not two digits.
function twoDigits(value: string, at: number): number {
  const tens = value.charCodeAt(at) - ZERO;
  const ones = value.charCodeAt(at + 1) - ZERO;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

// The `-`, `-`, `T`, `:`, `:` of `YYYY-MM-DDTHH:MM:SS`.
function hasDateTimeSeparators(value: string): boolean {
  return (
    value.charCodeAt(4) === DASH &&
    value.charCodeAt(7) === DASH &&
    value.charCodeAt(10) === UPPER_T &&
    value.charCodeAt(13) === COLON &&
    value.charCodeAt(16) === COLON
  );
}

// Refuses what Date.UTC would roll over: 2024-02-30 into March, 24:00 into the next day.
function isRealTime(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (y < MIN_YEAR || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  return d <= (DAYS_IN_MONTH[mo - 1] ?? 0) || (mo === 2 && d === 29 && isLeapYear(y));
}

// Gregorian: Feb 29 exists in 2000 and 2024, not in 2100.
function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

// Index just past the fraction's digits (which start after `SS.`).
function digitsEnd(value: string): number {
  let at = DATE_TIME_LENGTH + 1;
  while (at < value.length && isDigit(value.charCodeAt(at))) at += 1;
  return at;
}

// The first three fraction digits, padded, are milliseconds; the rest is below a Date's precision.
function milliseconds(value: string, digits: number): number {
  let millis = 0;
  for (let i = 0; i < 3; i += 1) {
    const digit = i < digits ? value.charCodeAt(DATE_TIME_LENGTH + 1 + i) - ZERO : 0;
    millis = millis * 10 + digit;
  }
  return millis;
}

// The zone from `at` to the end: none or `Z` is UTC; `+01:00` means UTC = local - 1 h.
// NaN when anything else follows.
function zoneOffsetMs(value: string, at: number): number {
  const rest = value.length - at;
  if (rest === 0) return 0;
  const sign = value.charCodeAt(at);
  if (rest === 1) return sign === UPPER_Z ? 0 : Number.NaN;
  const colon = rest === 6 && value.charCodeAt(at + 3) === COLON;
  const hours = twoDigits(value, at + 1);
  const minutes = twoDigits(value, colon ? at + 4 : at + 3);
  const wellFormed = (sign === PLUS || sign === DASH) && (colon || rest === 5);
  if (!wellFormed || hours < 0 || minutes < 0) return Number.NaN;
  return (sign === DASH ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil).
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

// ASCII only: other scripts' digits are no part of an ISO timestamp.
function isDigit(code: number): boolean {
  return code >= ZERO && code <= ZERO + 9;
}

// Error messages quote the bad value, cut short so a huge field cannot flood the logs.
function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
