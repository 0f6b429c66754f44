import * as assert from 'node:assert/strict';
import { changedSpan } from './changed-span';

describe('the changed span of two texts', () => {
  /** Character by character: what changedSpan must agree with. */
  function naive(before: string, after: string): { start: number; oldEnd: number; newEnd: number } {
    const limit = Math.min(before.length, after.length);
    let start = 0;
    while (start < limit && before[start] === after[start]) start++;
    let suffix = 0;
    while (suffix < limit - start && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
    return { start, oldEnd: before.length - suffix, newEnd: after.length - suffix };
  }

  it('finds the common prefix and suffix, whatever block boundary the change falls on', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const base = Array.from({ length: 30_000 }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join('');
    const cases: [string, string][] = [
      ['', ''],
      ['', 'x'],
      [base, base],
      [base, `${base}x`],
      [`x${base}`, base],
    ];
    for (const at of [0, 4095, 4096, 4097, 8192, 29_999]) cases.push([base, `${base.slice(0, at)}Q${base.slice(at)}`]);
    for (let i = 0; i < 500; i++) {
      const from = random(base.length);
      const to = Math.min(base.length, from + random(9000));
      cases.push([base, base.slice(0, from) + 'yz'.slice(0, random(3)) + base.slice(to)]);
    }
    for (const [before, after] of cases) assert.deepEqual(changedSpan(before, after), naive(before, after));
  });
});
