// Bounded parallelism: hundreds of spawns at once would only queue inside a 2-core hub.

/** Runs task for every item with at most `limit` running at a time; rejects on the first failure. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
