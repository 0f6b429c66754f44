import * as assert from 'node:assert/strict';
import { parseAutoConf } from '../knowledge/kernel-config';
import { evaluateCondition, excludedLines, inRanges, kernelVersionCode } from './conditionals';
import { prepass } from './prepass';
import type { ConditionalDirective } from '../model/types';

const config = parseAutoConf('CONFIG_A=y\nCONFIG_M=m\nCONFIG_N=5\n');

describe('conditionals decided with a kernel configuration', () => {
  it('decides CONFIG conditions and leaves the rest undecided', () => {
    const cases: [string, string][] = [
      ['defined(CONFIG_A)', 'true'],
      ['defined CONFIG_B', 'false'],
      ['IS_ENABLED(CONFIG_M) && !IS_BUILTIN(CONFIG_M)', 'true'],
      ['IS_MODULE(CONFIG_A)', 'false'],
      ['CONFIG_N', 'true'],
      ['0', 'false'],
      ['defined(CONFIG_B) || defined(ARCH_X)', 'maybe'],
      ['defined(CONFIG_B) && defined(ARCH_X)', 'false'],
      ['LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)', 'maybe'],
      ['CONFIG_N > 3', 'maybe'],
      ['!defined(__KERNEL__)', 'false'],
    ];
    for (const [expression, expected] of cases) assert.equal(evaluateCondition(expression, config), expected, expression);
  });

  it('compares LINUX_VERSION_CODE with KERNEL_VERSION when the version is known', () => {
    const v6_1_192 = kernelVersionCode(6, 1, 192);
    assert.equal(v6_1_192, 0x0601c0);
    assert.equal(kernelVersionCode(6, 1, 300), 0x0601ff, 'the patch level saturates');
    const cases: [string, string][] = [
      ['LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0)', 'true'],
      ['LINUX_VERSION_CODE < KERNEL_VERSION(6,13,0)', 'true'],
      ['LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0) || defined(CONFIG_A)', 'true'],
      ['LINUX_VERSION_CODE == KERNEL_VERSION(6, 1, 192)', 'true'],
      ['(LINUX_VERSION_CODE > KERNEL_VERSION(7, 0, 0)) && defined(X)', 'false'],
      ['LINUX_VERSION_CODE >= RHEL_RELEASE_CODE', 'maybe'],
      ['1 < 2', 'true'],
    ];
    for (const [expression, expected] of cases) assert.equal(evaluateCondition(expression, config, v6_1_192), expected, expression);
  });

  it('gives the lines a configuration leaves out, directive lines included', () => {
    const directives: ConditionalDirective[] = [
      { line: 1, kind: 'ifdef', condition: 'CONFIG_B' },
      { line: 3, kind: 'elif', condition: 'defined(CONFIG_A)' },
      { line: 5, kind: 'else', condition: '' },
      { line: 7, kind: 'endif', condition: '' },
      { line: 8, kind: 'if', condition: 'defined(UNKNOWN)' },
      { line: 9, kind: 'ifndef', condition: 'MODULE' },
      { line: 11, kind: 'endif', condition: '' },
      { line: 12, kind: 'endif', condition: '' },
      { line: 14, kind: 'if', condition: '!IS_ENABLED(CONFIG_M)' },
    ];
    const ranges = excludedLines(directives, config);
    assert.deepEqual(ranges, [
      [1, 4],
      [5, 8],
      [9, 12],
      [14, Number.MAX_SAFE_INTEGER],
    ]);
    assert.deepEqual(
      [0, 1, 3, 4, 5, 8, 10, 12, 13, 14, 99].map((line) => inRanges(ranges, line)),
      [false, true, true, false, true, false, true, false, false, true, true],
    );
  });

  it('are read by the pre-pass outside #if 0 regions, with #if 0 … #elif X as #if X', () => {
    const text = [
      '#ifdef CONFIG_A /* on */',
      '#if 0',
      '#ifdef CONFIG_DEAD',
      '#endif',
      '#elif IS_ENABLED(CONFIG_M)',
      '#endif',
      '#if 1',
      '#else',
      '#ifdef CONFIG_DEAD',
      '#endif',
      '#endif',
      '  #  ifndef X',
      '#endif',
      '#endif',
      '',
    ].join('\n');
    const { directives } = prepass(text);
    const lineOf = (offset: number): number => text.slice(0, offset).split('\n').length - 1;
    assert.deepEqual(
      directives.map((d) => `${lineOf(d.offset)} ${d.kind} ${d.condition}`.trim()),
      ['0 ifdef CONFIG_A', '4 if IS_ENABLED(CONFIG_M)', '5 endif', '6 if 1', '10 endif', '11 ifndef X', '12 endif', '13 endif'],
    );
  });
});
