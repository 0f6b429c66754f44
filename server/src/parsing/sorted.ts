// Sorted lists (bodies, cut regions, checkpoints by offset; references by position): where a place falls among them.

/** Index of the last item of `list` whose key is at or before `offset` (-1: none). */
export function lastAtOrBefore<T>(list: readonly T[], offset: number, key: (item: T) => number): number {
  return firstNot(list, (item) => key(item) <= offset) - 1;
}

/** Index of the first item of `list`, from `low` on, for which `comesFirst` is false (it holds for a prefix of the list). */
export function firstNot<T>(list: readonly T[], comesFirst: (item: T) => boolean, low = 0): number {
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (comesFirst(list[mid])) low = mid + 1;
    else high = mid;
  }
  return low;
}
