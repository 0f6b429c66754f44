import * as assert from 'node:assert/strict';
import { analyzeSources, summarize } from '../support/modules';
import { MODULE_NAME_MAX_LENGTH, moduleFiles, moduleNameProblem } from '../../client/src/scaffold-templates';
import { loadSnippets, snippetDefaultText, snippetModule } from '../support/snippets';

const EXPECTED_PREFIXES = ['kexit', 'kexport', 'kinit', 'kmodule', 'kparam', 'kplatform'];
const MISMATCH_CODES = new Set(['section-mismatch', 'module-exit-init', 'module-init-exit', 'export-init-exit']);

const sourceOf = (name: string): string => moduleFiles(name).find((file) => file.path === `${name}.c`)!.text;

describe('scaffold: module names', () => {
  it('accepts C-identifier-like lowercase names up to the kernel limit', () => {
    for (const name of ['hello', 'my_driver', 'a', 'x86_thing2', '_private', 'a'.repeat(MODULE_NAME_MAX_LENGTH)]) {
      assert.equal(moduleNameProblem(name), undefined, name);
    }
  });

  it('rejects names kbuild or C cannot take, saying why', () => {
    const cases: [string, RegExp][] = [
      ['', /Type a module name/],
      ['1abc', /cannot begin with a digit/],
      ['a-b', /"_" instead of "-"/],
      ['../x', /one file name/],
      ['a/b', /one file name/],
      ['Hello', /lowercase/],
      ['my driver', /not " "/],
      ['__x', /reserved/],
      ['_', /reserved/],
      ['a'.repeat(MODULE_NAME_MAX_LENGTH + 1), /56 characters: at most 55/],
    ];
    for (const [name, reason] of cases) assert.match(moduleNameProblem(name) ?? 'accepted', reason, JSON.stringify(name));
  });

  it('refuses to generate files for an invalid name', () => {
    assert.throws(() => moduleFiles('../evil'), /invalid module name/);
  });
});

describe('scaffold: generated module', () => {
  it('writes <name>.c and a Makefile whose obj-m builds it against KDIR', () => {
    const files = moduleFiles('demo_mod');
    assert.deepEqual(
      files.map((f) => f.path),
      ['demo_mod.c', 'Makefile'],
    );
    const makefile = files[1].text;
    assert.match(makefile, /^obj-m \+= demo_mod\.o$/m);
    assert.match(makefile, /^KDIR \?= \/lib\/modules\/\$\(shell uname -r\)\/build$/m);
    assert.match(makefile, /^all:\n\t\$\(MAKE\) -C \$\(KDIR\) M=\$\(CURDIR\) modules$/m);
    assert.match(makefile, /^clean:\n\t\$\(MAKE\) -C \$\(KDIR\) M=\$\(CURDIR\) clean$/m);
    const source = files[0].text;
    assert.match(source, /^\/\/ SPDX-License-Identifier: GPL-2\.0\n/);
    assert.match(source, /static int __init demo_mod_init\(void\)/);
    assert.match(source, /static void __exit demo_mod_exit\(void\)/);
    assert.match(source, /module_init\(demo_mod_init\);\nmodule_exit\(demo_mod_exit\);/);
    assert.match(source, /MODULE_LICENSE\("GPL"\);\nMODULE_DESCRIPTION\("[^"]+"\);/);
    assert.doesNotMatch(source, /MODULE_AUTHOR/);
  });

  it('has no findings under the analyzer (module read through its Makefile)', async () => {
    const files = Object.fromEntries(moduleFiles('demo_mod').map((f) => [f.path, f.text]));
    for (const kernelVersion of ['6.1', '6.12', '7.1']) {
      const analysis = await analyzeSources(files, { kernelVersion });
      assert.deepEqual(
        analysis.modules.map((m) => m.name),
        ['demo_mod'],
        'the Makefile should declare the module',
      );
      assert.deepEqual(analysis.errors, []);
      assert.deepEqual(summarize(analysis.findings), [], `kernel ${kernelVersion}`);
    }
  });

  it('gives a finding when the exit function reads __initdata (the check can fail)', async () => {
    const broken = sourceOf('demo_mod')
      .replace('static int __init demo_mod_init', 'static int demo_seed __initdata = 3;\n\nstatic int __init demo_mod_init')
      .replace('pr_info("unloaded\\n");', 'pr_info("unloaded %d\\n", demo_seed);');
    assert.notEqual(broken, sourceOf('demo_mod'));
    const { findings } = await analyzeSources(
      { 'demo_mod.c': broken, Makefile: moduleFiles('demo_mod')[1].text },
      { kernelVersion: '6.1' },
    );
    assert.deepEqual(
      summarize(findings).map((s) => s.replace(/ @.*/, '')),
      ['section-mismatch demo_mod_exit->demo_seed'],
    );
  });
});

describe('scaffold: snippets/kernel-c.json', () => {
  it('has the planned prefixes, each with a body and a description', () => {
    const snippets = Object.values(loadSnippets());
    assert.deepEqual(snippets.map((s) => s.prefix).sort(), EXPECTED_PREFIXES);
    for (const snippet of snippets) {
      assert.ok(snippet.description.length > 30, `${snippet.prefix}: description says what it is for`);
      assert.ok(snippetDefaultText(snippet.body, { TM_FILENAME_BASE: 'x' }).trim().length > 0, snippet.prefix);
    }
    const platform = snippets.find((s) => s.prefix === 'kplatform')!;
    assert.match(platform.description, /probe.*not __init.*bound later/i);
  });

  it('kmodule is the New Kernel Module template with tab stops (a file named my-mod gives my_mod)', () => {
    const kmodule = Object.values(loadSnippets()).find((s) => s.prefix === 'kmodule')!;
    assert.equal(snippetDefaultText(kmodule.body, { TM_FILENAME_BASE: 'my-mod' }), sourceOf('my_mod'));
  });

  it('expands placeholders as VS Code does: defaults, mirrors, choices, transforms, escapes', () => {
    assert.equal(snippetDefaultText(['${1:a} $1 ${2|x,y|} $2 $0 $3 \\$ \\n'], {}), 'a a x x   $ \\n');
    assert.equal(snippetDefaultText('${1:${TM_FILENAME_BASE/[^a-z]/_/g}}_x($1)', { TM_FILENAME_BASE: 'a-b.c' }), 'a_b_c_x(a_b_c)');
    assert.equal(snippetDefaultText('${2:say $1} ${1:v}', {}), 'say v v');
  });

  for (const snippet of Object.values(loadSnippets())) {
    it(`${snippet.prefix}: with its defaults, a module using it has no section-mismatch findings`, async () => {
      const fileBase = `snip_${snippet.prefix}`;
      const source = snippetModule(fileBase, snippet);
      assert.doesNotMatch(source, /\$\{|\$\d/, 'every placeholder expanded');
      const analysis = await analyzeSources(
        { [`${fileBase}.c`]: source, Makefile: `obj-m += ${fileBase}.o\n` },
        { kernelVersion: '6.12', extraWarn: true },
      );
      assert.deepEqual(analysis.errors, []);
      assert.ok(analysis.files[0].symbols.length > 0, "the analyzer saw the snippet's definitions");
      assert.deepEqual(summarize(analysis.findings.filter((f) => MISMATCH_CODES.has(f.code))), []);
    });
  }

  it('kplatform with an __init probe gives a finding (the check can fail)', async () => {
    const platform = Object.values(loadSnippets()).find((s) => s.prefix === 'kplatform')!;
    const broken = snippetModule('plat', platform).replace('static int plat_probe(', 'static int __init plat_probe(');
    const { findings } = await analyzeSources({ 'plat.c': broken }, { kernelVersion: '6.12', extraWarn: true });
    assert.ok(
      findings.some((f) => MISMATCH_CODES.has(f.code) && f.to?.symbol === 'plat_probe'),
      `findings: ${summarize(findings).join(', ') || 'none'}`,
    );
  });
});
