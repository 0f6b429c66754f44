import * as assert from 'node:assert/strict';
import type { KbuildModule } from '../../../shared/src/kbuild';
import type { ResolvedSymbol } from './check';
import { VmlinuxTable } from './vmlinux';

const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 4 } };
const init = (name: string, uri: string): ResolvedSymbol => ({ name, kind: 'function', section: '.init.text', uri, nameRange: range });
const builtin = (name: string): KbuildModule => ({ name, sources: [`/k/${name}.c`], builtin: true, declaredIn: '/k/Makefile' });

describe('VmlinuxTable', () => {
  it('after the index keeps only the lookups: every name resolves as before, and the modules to check again were known', () => {
    const table = new VmlinuxTable();
    table.addContribution(builtin('setup'), {
      definitions: [
        { name: 'early_setup', transient: init('early_setup', 'file:///k/setup.c') },
        { name: 'pick_idle', arch: 'sh', transient: init('pick_idle', 'file:///k/arch/sh/idle.c') },
        { name: 'runtime_helper' },
      ],
      unresolved: [],
    });
    table.addContribution(builtin('process'), { definitions: [{ name: 'pick_idle', arch: 'x86' }], unresolved: [] });
    table.addContribution(builtin('user'), { definitions: [], unresolved: ['early_setup', 'runtime_helper'] });
    table.addContribution(builtin('other'), { definitions: [], unresolved: ['runtime_helper'] });
    const lookups = [
      ['early_setup', 'file:///k/user.c'],
      ['pick_idle', 'file:///k/arch/sh/user.c'],
      ['pick_idle', 'file:///k/arch/x86/user.c'],
      ['pick_idle', 'file:///k/user.c'],
      ['runtime_helper', 'file:///k/user.c'],
      ['nowhere', 'file:///k/user.c'],
    ];
    const before = lookups.map(([name, uri]) => table.resolve(name, uri));
    assert.deepEqual(
      table.modulesToRecheck().map((module) => module.name),
      ['user'],
    );
    assert.equal(before[0]?.name, 'early_setup');
    assert.equal(before[1]?.name, 'pick_idle', 'sh code links with the sh __init definition');
    assert.equal(before[2], undefined, 'x86 code links with the x86 permanent one');
    table.keepLookupsOnly();
    assert.deepEqual(
      lookups.map(([name, uri]) => table.resolve(name, uri)),
      before,
    );
    assert.deepEqual(table.modulesToRecheck(), [], 'what only the index needed is let go');
  });
});
