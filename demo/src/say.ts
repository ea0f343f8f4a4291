// The demo's progress lines: short, prefixed, on stdout beside the banner.
export function say(line: string): void {
  process.stdout.write(`demo: ${line}\n`);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
