import { upstreamError } from './errors';

export interface PcIdUser {
  pk: number;
}

// pc-id primary keys are positive database ids; anything else would build a wrong subscription name.
function isPk(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** The record from a 200 body; only `pk` is kept, so nothing else from pc-id travels further. */
export function parseUserRecord(body: string): PcIdUser {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw upstreamError('pc-id answered 200 with a body that is not JSON');
  }
  const pk = (data as { pk?: unknown } | null)?.pk;
  if (!isPk(pk)) throw upstreamError('pc-id answered 200 without a positive integer pk');
  return { pk };
}
