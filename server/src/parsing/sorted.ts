// Lists sorted by an offset (bodies, cut regions, checkpoints): where an offset falls among them.

/** Index of the last item of `list` whose key is at or before `offset` (-1: none). */
export function lastAtOrBefore<T>(list: readonly T[], offset: number, key: (item: T) => number): number {
  let low = 0,
    high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (key(list[mid]) <= offset) low = mid + 1;
    else high = mid;
  }
  return low - 1;
}
