/** Returns a function that replaces every given secret (case-insensitively) with `[redacted]`. */
export function createRedactor(secrets: (string | undefined)[]): (text: string) => string {
  const present = secrets.filter((s): s is string => !!s).sort((a, b) => b.length - a.length);
  if (present.length === 0) return (text) => text;
  // Longest first, so the connection string goes as a whole before the key inside it.
  const pattern = new RegExp(present.map(escapeRegExp).join('|'), 'gi');
  return (text) => text.replace(pattern, '[redacted]');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
