import * as assert from 'node:assert/strict';
import { prepass } from './prepass';
import { scanBody, type FoundLocal, type FoundReference } from './references';
import { findBodies, isOneBody } from './skeleton';
import { WARM_UP_SAMPLE, warmUpScanners } from './warm-up';

describe('scanner warm-up', () => {
  it('runs', () => {
    warmUpScanners();
  });

  // The sample is only worth its time while it takes the branches a tree reaches late.
  it('takes the pre-pass branches files seldom reach: dead groups, #elif, #if 1, loop macros, attributes with arguments', () => {
    const { text, deadRanges, directives, macros } = prepass(WARM_UP_SAMPLE);
    const dead = deadRanges.map(([start, end]) => WARM_UP_SAMPLE.slice(start, end));
    assert.ok(
      dead.some((region) => region.includes('static int dead(void)') && region.includes('#ifdef NESTED')),
      '#if 0 with a group nested inside',
    );
    assert.ok(
      dead.some((region) => region.includes('dead_else')),
      'the #else of #if 1',
    );
    assert.ok(
      directives.some((directive) => directive.kind === 'if' && directive.condition === 'defined(CONFIG_X)'),
      '#if 0 … #elif X read as #if X',
    );
    assert.deepEqual(
      macros.filter((macro) => macro.args !== undefined).map((macro) => macro.name),
      ['__section', '__attribute__', '__attribute__'],
    );
    assert.match(text, /\tif {11}\(pos, &head\) i\+\+;/, 'list_for_each read as an if');
  });

  it('takes the body branches: a directive and a label in a body, static locals, members, unevaluated operands', () => {
    const pre = prepass(WARM_UP_SAMPLE).text;
    const helper = findBodies(pre).regions.find(([start]) => pre.slice(0, start).endsWith('char *name)\n{'));
    assert.ok(helper, 'the body of helper');
    const [start, end] = helper;
    assert.ok(isOneBody(pre.slice(start - 1, end + 1)));
    assert.match(pre.slice(start, end), /^#ifdef CONFIG_Z$/m);
    const found: FoundReference[] = [];
    const locals: FoundLocal[] = [];
    scanBody(pre, { start: start - 1, end: end + 1, fromIndex: 0, parameters: ['arg', 'name'] }, false, found, locals);
    assert.deepEqual(
      locals.map((local) => [local.name, local.isConst]),
      [
        ['calls', false],
        ['seen', false],
      ],
    );
    const names = new Set(found.map((ref) => ref.name));
    for (const name of ['counter', 'helper', 'head', 'cleanup']) assert.ok(names.has(name), name);
    for (const name of ['field', 'member', 'shadow', 'else_label', 'out', 'banner']) assert.ok(!names.has(name), name);
  });
});
