/**
 * Longest accepted name, in Unicode code points. JupyterHub stores names in a 255-character
 * column and e-mail addresses stop at 254 octets, so 256 admits every real name with room to spare.
 */
const MAX_USER_NAME_LENGTH = 256;

// C0, DEL and C1 controls: never part of a username, and a classic way to smuggle header/log breaks.
const CONTROL = /\p{Cc}/u;
// With the u flag \p{Cs} matches only unpaired surrogates, which encodeURIComponent cannot encode.
const LONE_SURROGATE = /\p{Cs}/u;

/** Why `name` cannot be looked up, or undefined when it can. Messages are safe to show a caller. */
export function userNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'the user name is empty';
  if ([...name].length > MAX_USER_NAME_LENGTH) {
    return `the user name is longer than ${MAX_USER_NAME_LENGTH} characters`;
  }
  if (CONTROL.test(name)) return 'the user name contains a control character';
  if (LONE_SURROGATE.test(name)) return 'the user name is not well-formed Unicode';
  // encodeURIComponent leaves dots alone, and '.'/'..' segments would be resolved away by URL parsers.
  if (name === '.' || name === '..') return 'the user name is a relative path segment';
  return undefined;
}

/**
 * The name as one percent-encoded path segment. encodeURIComponent encodes '/', '%', '?', '#',
 * '+' and non-ASCII; it leaves `'`, `!`, `(`, `)`, `*`, `-`, `_`, `.`, `~` as they are, which RFC 3986
 * allows in a segment and which decode to themselves, so the server still sees exactly the name.
 */
export function encodeUserSegment(name: string): string {
  return encodeURIComponent(name);
}
