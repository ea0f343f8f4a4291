/**
 * Throws when any of `secrets` occurs in `text`. The error names the secret by its index so
 * the failure output itself never leaks the value.
 */
export function expectNoSecrets(text: string, secrets: string[]): void {
  secrets.forEach((secret, index) => {
    // An empty string is in every text: a test passing one has a bug, not a leak.
    if (secret.length === 0) throw new TypeError(`expectNoSecrets: secret #${index} is empty`);
    if (text.includes(secret)) {
      throw new Error(`secret #${index} (${secret.length} chars) appears in the text`);
    }
  });
}
