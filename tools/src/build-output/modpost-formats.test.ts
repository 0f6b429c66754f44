import * as assert from 'node:assert/strict';
import { moduleStem, parseModpostLine, type ModpostDiagnostic } from './modpost-formats';
import { fixtureLog, fixtureLogNames } from '../../../test/support/build-logs';

const VERSIONS = ['6.1', '6.6', '6.12', '7.1', '7.3'];

/** 6.1's static-export error comes from scripts/check-local-export in the gcc step, without modpost's prefix. */
const LOCAL_EXPORT_61 = /^\S+\.o: error: local symbol \S+ was exported$/;

describe('modpost output parser', () => {
  it('parses every modpost line of every captured log and nothing else', () => {
    let parsed = 0;
    for (const version of VERSIONS) {
      for (const name of fixtureLogNames(version)) {
        for (const line of fixtureLog(version, name).split('\n')) {
          const diag = parseModpostLine(line);
          if (/^(?:WARNING|ERROR|FATAL): modpost: /.test(line) || LOCAL_EXPORT_61.test(line)) {
            assert.ok(diag, `${version}/${name}: unparsed modpost line: ${line}`);
            parsed++;
          } else {
            assert.equal(diag, undefined, `${version}/${name}: not a modpost line but parsed: ${line}`);
          }
        }
      }
    }
    assert.ok(parsed >= 150, `only ${parsed} modpost lines in the fixtures`);
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
      { kind: 'gpl-only-symbol', module: 'gpl-only', symbol: 'hrtimer_init' },
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

  /**
   * Every line parsed from the real logs of the link-* fixtures (test/kbuild/fixtures/link-*, built
   * on each kernel; module directory /m) as "kind level module symbol namespace". Each kernel names
   * the module its own way: "/m/x" (6.x, from "[/m/x.ko]"), "x" (6.x namespace and GPL lines),
   * "/m/x.o" (6.x licence), "x.ko" (7.3, every line).
   */
  const LINK_LOGS: Record<string, Record<string, string[]>> = {
    '6.1': {
      'link-clean': [],
      'link-undefined': [
        'undefined-symbol error /m/link_undefined kallsyms_lookup_name',
        'undefined-symbol error /m/link_undefined vfs_write',
      ],
      'link-undefined-mw1': [
        'undefined-symbol warning /m/link_undefined kallsyms_lookup_name',
        'undefined-symbol warning /m/link_undefined vfs_write',
      ],
      'link-gpl': ['gpl-only-symbol error link_gpl ktime_get'],
      'link-nolicense': ['missing-license error /m/link_nolicense.o'],
      'link-namespace': ['missing-namespace-import error link_namespace dma_buf_put DMA_BUF'],
      'link-namespace-ok': [],
      'link-import-module-ns': [],
      'link-export-undef': ['export-undefined error /m/link_export_undef not_defined_anywhere'],
      'link-export-dup': ['export-duplicate error /m/link_export_dup msleep_interruptible'],
      'link-export-static': ['export-local error /m/link_export_static.o les_local_fn'],
      'link-nodesc': [],
      'link-nodesc-w1': [],
      'link-name-too-long': ['module-name-too-long error /m/link_name_too_long_abcdefghijklmnopqrstuvwxyz_0123456789'],
      'link-long-symbol': ['symbol-too-long error /m/link_long_import lls_this_exported_symbol_name_is_sixty_characters_long_abc'],
    },
    '6.12': {
      'link-clean': [],
      'link-undefined': [
        'undefined-symbol error /m/link_undefined kallsyms_lookup_name',
        'undefined-symbol error /m/link_undefined vfs_write',
      ],
      'link-undefined-mw1': [
        'undefined-symbol warning /m/link_undefined kallsyms_lookup_name',
        'undefined-symbol warning /m/link_undefined vfs_write',
      ],
      'link-gpl': ['gpl-only-symbol error link_gpl ktime_get'],
      'link-nolicense': ['missing-license error /m/link_nolicense.o'],
      'link-namespace': ['missing-namespace-import error link_namespace dma_buf_put DMA_BUF'],
      'link-namespace-ok': [],
      'link-import-module-ns': [],
      'link-export-undef': ['export-undefined error /m/link_export_undef not_defined_anywhere'],
      'link-export-dup': ['export-duplicate error /m/link_export_dup msleep_interruptible'],
      'link-export-static': ['export-local error /m/link_export_static les_local_fn'],
      'link-nodesc': [],
      'link-nodesc-w1': ['missing-description warning /m/link_nodesc.o'],
      'link-name-too-long': ['module-name-too-long error /m/link_name_too_long_abcdefghijklmnopqrstuvwxyz_0123456789'],
      'link-long-symbol': ['symbol-too-long error /m/link_long_import lls_this_exported_symbol_name_is_sixty_characters_long_abc'],
    },
    '7.3': {
      'link-clean': [],
      'link-undefined': [
        'undefined-symbol error link_undefined.ko kallsyms_lookup_name',
        'undefined-symbol error link_undefined.ko vfs_write',
      ],
      'link-undefined-mw1': [
        'undefined-symbol warning link_undefined.ko kallsyms_lookup_name',
        'undefined-symbol warning link_undefined.ko vfs_write',
      ],
      'link-gpl': ['gpl-only-symbol error link_gpl.ko ktime_get'],
      'link-nolicense': ['missing-license error link_nolicense.ko'],
      'link-namespace': ['missing-namespace-import error link_namespace.ko dma_buf_put DMA_BUF'],
      'link-namespace-ok': [],
      'link-import-module-ns': ['namespace-import-not-allowed error link_import_module_ns.ko - module:kvm'],
      'link-export-undef': ['export-undefined error link_export_undef.ko not_defined_anywhere'],
      'link-export-dup': ['export-duplicate error link_export_dup.ko msleep_interruptible'],
      'link-export-static': ['export-local error link_export_static.ko les_local_fn'],
      'link-nodesc': ['missing-description warning link_nodesc.ko'],
      'link-nodesc-w1': ['missing-description warning link_nodesc.ko'],
      'link-name-too-long': ['module-name-too-long error link_name_too_long_abcdefghijklmnopqrstuvwxyz_0123456789.ko'],
      'link-long-symbol': [],
    },
  };
  const summary = (d: ModpostDiagnostic) =>
    [d.kind, d.level, d.module ?? '-', d.symbol ?? (d.namespace ? '-' : undefined), d.namespace].filter((x) => x !== undefined).join(' ');

  for (const [series, logs] of Object.entries(LINK_LOGS)) {
    it(`reads every modpost line of the real ${series} link-* logs`, () => {
      const names = fixtureLogNames(series).filter((n) => n.startsWith('link-') && !n.startsWith('link-many-undefined'));
      assert.deepEqual(names, Object.keys(logs).sort(), 'a log without expectations, or expectations without a log');
      for (const [name, expected] of Object.entries(logs)) {
        const parsed = fixtureLog(series, name, '/m')
          .split('\n')
          .map((line) => parseModpostLine(line))
          .filter((d) => d !== undefined);
        assert.deepEqual(parsed.map(summary), expected, `${series}/${name}`);
      }
    });

    it(`${series}: more than ten undefined symbols end in the "suppressed" line, which names no module`, () => {
      for (const [name, level] of [
        ['link-many-undefined', 'error'],
        ['link-many-undefined-mw1', 'warning'],
      ]) {
        const parsed = fixtureLog(series, name, '/m')
          .split('\n')
          .map((line) => parseModpostLine(line))
          .filter((d) => d !== undefined);
        const module = series === '7.3' ? 'link_many_undefined.ko' : '/m/link_many_undefined';
        assert.deepEqual(
          parsed.slice(0, 10).map(summary),
          Array.from({ length: 10 }, (_, i) => `undefined-symbol ${level} ${module} lmu_missing_${String(i + 1).padStart(2, '0')}`),
          `${series}/${name}`,
        );
        // modpost prints it as a WARNING even when the undefined lines are ERRORs.
        assert.deepEqual(
          parsed.slice(10).map((d) => [d.kind, d.level, d.module, d.count]),
          [['undefined-suppressed', 'warning', undefined, 2]],
          `${series}/${name}`,
        );
      }
    });
  }

  it('reads where the first export of a duplicate was, and the namespace of a rejected import', () => {
    const first = (series: string, name: string) =>
      fixtureLog(series, name, '/m')
        .split('\n')
        .map((line) => parseModpostLine(line))
        .find((d) => d !== undefined)!;
    for (const series of ['6.1', '6.12', '7.3']) assert.equal(first(series, 'link-export-dup').previousExport, 'vmlinux', series);
    const rejected = first('7.3', 'link-import-module-ns');
    assert.deepEqual(
      [rejected.namespace, rejected.message],
      ['module:kvm', "link_import_module_ns.ko: explicitly importing namespace 'module:kvm' is not allowed."],
    );
    const local = first('6.1', 'link-export-static');
    assert.deepEqual(
      [local.kind, local.message],
      ['export-local', '/m/link_export_static.o: error: local symbol les_local_fn was exported'],
    );
  });

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
