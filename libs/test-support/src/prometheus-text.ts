/**
 * Samples of a Prometheus text exposition keyed by their series exactly as written, e.g.
 * `pchub_active_servers{profile="cpu",environment="test"}`: tests match the contract names
 * and label order byte for byte.
 */
export function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** Every series of one metric family, e.g. all `pchub_active_servers{...}` samples. */
export function seriesOf(samples: Map<string, number>, name: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const [series, value] of samples) {
    if (series === name || series.startsWith(`${name}{`)) found[series] = value;
  }
  return found;
}
