import { readFileSync } from 'node:fs';

/** Median of a non-empty sample: robust to the odd GC pause or scheduler hiccup. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Peak resident set size of a process (this one by default) so far, in MB. Read from VmHWM, not
 * getrusage's maxRSS: Linux carries maxRSS over from the parent that forked us, VmHWM starts at
 * exec.
 */
export function peakRssMb(pid: number | 'self' = 'self'): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`VmHWM missing from /proc/${pid}/status (Linux only)`);
  return Number(match[1]) / 1024;
}
