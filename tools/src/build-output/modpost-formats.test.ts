import * as assert from 'node:assert/strict';
import { moduleStem, parseModpostLine, type ModpostDiagnostic } from './modpost-formats';
import { fixtureLog, fixtureLogNames } from '../../../test/support/build-logs';

const VERSIONS = ['6.1', '6.6', '7.1'];

describe('modpost output parser', () => {
  it('parses every modpost line of every captured log and nothing else', () => {
    let parsed = 0;
    for (const version of VERSIONS) {
      for (const name of fixtureLogNames(version)) {
        for (const line of fixtureLog(version, name).split('\n')) {
          const diag = parseModpostLine(line);
          if (/^(?:WARNING|ERROR|FATAL): modpost: /.test(line)) {
            assert.ok(diag, `${version}/${name}: unparsed modpost line: ${line}`);
            parsed++;
          } else {
            assert.equal(diag, undefined, `${version}/${name}: not a modpost line but parsed: ${line}`);
          }
        }
      }
    }
    assert.ok(parsed >= 40, `only ${parsed} modpost lines in the fixtures`);
  });

  // Real lines (6.1 captured with @MODDIR@ = /m; 7.1 as its modpost prints them) and what they mean.
  const cases: [string, Partial<ModpostDiagnostic>][] = [
    [
      'WARNING: modpost: /m/hello-3.o: section mismatch in reference: cleanup_module (section: .exit.text) -> hello3_data (section: .init.data)',
      {
        kind: 'section-mismatch',
        level: 'warning',
        module: '/m/hello-3.o',
        from: { symbol: 'cleanup_module', section: '.exit.text', offset: undefined },
        to: { symbol: 'hello3_data', section: '.init.data' },
      },
    ],
    [
      'WARNING: modpost: secmm: section mismatch in reference: secmm_exit+0x6 (section: .exit.text) -> __UNIQUE_ID_addressable_init_module_402 (section: .init.data)',
      {
        kind: 'section-mismatch',
        module: 'secmm',
        from: { symbol: 'secmm_exit', section: '.exit.text', offset: '6' },
        to: { symbol: '__UNIQUE_ID_addressable_init_module_402', section: '.init.data' },
      },
    ],
    [
      'WARNING: modpost: vmlinux: section mismatch in reference: 0xffffffff81000000 (section: .text) -> foo (section: .init.text)',
      { kind: 'section-mismatch', from: { symbol: '0xffffffff81000000', section: '.text', offset: undefined } },
    ],
    [
      'WARNING: modpost: vmlinux.o(.text+0x7396): Section mismatch in reference from the function foo() to the variable .init.data:bar',
      {
        kind: 'section-mismatch',
        module: 'vmlinux.o',
        from: { symbol: 'foo', section: '.text', offset: '7396' },
        to: { symbol: 'bar', section: '.init.data' },
      },
    ],
    [
      'WARNING: modpost: /m/export-init.o: EXPORT_SYMBOL used for init/exit symbol: export_init_helper (section: .init.text)',
      { kind: 'export-init-exit', symbol: 'export_init_helper', section: '.init.text' },
    ],
    [
      'WARNING: modpost: secmm: exported_init_fn: EXPORT_SYMBOL used for init symbol. Remove __init or EXPORT_SYMBOL.',
      { kind: 'export-init-exit', module: 'secmm', symbol: 'exported_init_fn', section: '.init.text' },
    ],
    ['ERROR: modpost: Section mismatches detected.', { kind: 'mismatch-summary', level: 'error' }],
    ['FATAL: modpost: Section mismatches detected.', { kind: 'mismatch-summary', level: 'error' }],
    [
      'ERROR: modpost: "no_such_function" [/m/undefined-symbol.ko] undefined!',
      { kind: 'undefined-symbol', level: 'error', symbol: 'no_such_function', module: '/m/undefined-symbol' },
    ],
    ['WARNING: modpost: "no_such_function" [/m/vg.ko] undefined!', { kind: 'undefined-symbol', level: 'warning' }],
    [
      "ERROR: modpost: GPL-incompatible module gpl-only.ko uses GPL-only symbol 'hrtimer_init'",
      { kind: 'gpl-only', module: 'gpl-only', symbol: 'hrtimer_init' },
    ],
    ['ERROR: modpost: missing MODULE_LICENSE() in /m/no-license.o', { kind: 'missing-license', level: 'error', module: '/m/no-license.o' }],
    ['WARNING: modpost: missing MODULE_DESCRIPTION() in secmm.o', { kind: 'missing-description', level: 'warning', module: 'secmm.o' }],
    [
      'ERROR: modpost: module namespace uses symbol crypto_cipher_setkey from namespace CRYPTO_INTERNAL, but does not import it.',
      { kind: 'missing-namespace-import', module: 'namespace', symbol: 'crypto_cipher_setkey', namespace: 'CRYPTO_INTERNAL' },
    ],
    ['WARNING: Module.symvers is missing.', { kind: 'symbol-list-missing', level: 'warning' }],
  ];
  for (const [line, expected] of cases) {
    it(`reads ${line.slice(0, 90)}`, () => {
      const diag = parseModpostLine(line);
      assert.ok(diag);
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(diag[key as keyof ModpostDiagnostic], value, key);
    });
  }

  it('ignores gcc and make lines', () => {
    for (const line of [
      '/m/gcc-error.c:6:36: error: ‘undeclared_counter’ undeclared (first use in this function)',
      'make[1]: *** [/usr/src/linux-headers-6.1.0-56-common/scripts/Makefile.modpost:127: /m/Module.symvers] Error 1',
      'Set CONFIG_SECTION_MISMATCH_WARN_ONLY=y to allow them.',
      '  MODPOST /m/Module.symvers',
    ])
      assert.equal(parseModpostLine(line), undefined, line);
  });

  it('turns modpost module names into kbuild stems', () => {
    assert.equal(moduleStem('/abs/dir/hello-3.o', '/abs/dir'), 'hello-3');
    assert.equal(moduleStem('/abs/dir/sub/m', '/abs/dir/'), 'sub/m');
    assert.equal(moduleStem('secmm', '/abs/dir'), 'secmm');
    assert.equal(moduleStem('gpl-only.ko', '/abs/dir'), 'gpl-only');
  });
});
