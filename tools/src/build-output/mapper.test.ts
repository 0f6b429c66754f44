import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeModuleDir } from '../../../server/src/engine/project';
import type { FileFacts, Finding, Range } from '../../../server/src/model/types';
import { declaredModules } from './declared-modules';
import { mapModpostDiagnostic, type MapContext } from './mapper';
import { parseModpostLine } from './modpost-formats';
import { copySources, fixtureLog, fixtureLogNames, REPO_ROOT, removeTempCopies } from '../../../test/support/build-logs';

const range = (line: number, character: number, length = 1): Range => ({
  start: { line, character },
  end: { line, character: character + length },
});

function parse(line: string) {
  const diag = parseModpostLine(line);
  assert.ok(diag, line);
  return diag;
}

describe('modpost → source mapping (hand-built facts)', () => {
  const dir = '/home/dev/mod';
  const file = `${dir}/hello.c`;
  const uri = pathToFileURL(file).href;
  const facts: FileFacts = {
    uri,
    symbols: [
      {
        name: 'data',
        kind: 'variable',
        section: '.init.data',
        annotations: ['__initdata'],
        isDefinition: true,
        isStatic: true,
        isConst: false,
        nameRange: range(2, 11),
        fullRange: range(2, 0, 30),
        annotationRanges: [],
      },
      {
        name: 'hello_exit',
        kind: 'function',
        section: '.exit.text',
        annotations: ['__exit'],
        isDefinition: true,
        isStatic: true,
        isConst: false,
        nameRange: range(9, 19),
        fullRange: range(9, 0, 30),
        annotationRanges: [],
      },
      {
        name: 'helper',
        kind: 'function',
        section: '.text',
        annotations: [],
        isDefinition: true,
        isStatic: false,
        isConst: false,
        nameRange: range(5, 4),
        fullRange: range(5, 0, 30),
        annotationRanges: [],
      },
      {
        name: 'ext_fn',
        kind: 'function',
        section: '.text',
        annotations: [],
        isDefinition: false,
        isStatic: false,
        isConst: false,
        nameRange: range(1, 11),
        fullRange: range(1, 0, 20),
        annotationRanges: [],
      },
    ],
    references: [
      { name: 'ext_fn', line: 6, character: 8, from: 'helper', fromIndex: 2 },
      { name: 'data', line: 11, character: 30, from: 'hello_exit', fromIndex: 1 },
      { name: 'ext_fn', line: 12, character: 2, from: 'hello_exit', fromIndex: 1 },
    ],
    macroUses: [
      { macro: 'module_exit', argument: 'hello_exit', range: range(14, 0, 23), argumentRange: range(14, 12, 10) },
      { macro: 'EXPORT_SYMBOL', argument: 'helper', range: range(7, 0, 21), argumentRange: range(7, 14, 6) },
      { macro: 'MODULE_AUTHOR', argument: '"me"', range: range(16, 0, 19), argumentRange: range(16, 14, 4) },
    ],
  };
  const module = { name: 'hello', sources: [file], builtin: false, declaredIn: `${dir}/Makefile`, line: 3 };
  const context = (findings: Finding[] = []): MapContext => ({
    moduleDir: dir,
    analysis: { findings, files: [facts], modules: [{ name: 'hello', files: [file] }] },
    kbuildModules: [module],
  });

  it('maps cleanup_module to the module_exit function and the reference it makes', () => {
    const mapped = mapModpostDiagnostic(
      parse(
        `WARNING: modpost: ${dir}/hello.o: section mismatch in reference: cleanup_module (section: .exit.text) -> data (section: .init.data)`,
      ),
      context(),
    );
    assert.deepEqual([mapped.file, mapped.line, mapped.character, mapped.method], [file, 11, 30, 'reference']);
    assert.match(mapped.note ?? '', /cleanup_module is hello_exit/);
  });

  it('prefers the analyzer finding with the same from/to symbols', () => {
    const finding: Finding = {
      uri,
      range: range(11, 31, 4),
      severity: 'warning',
      code: 'section-mismatch',
      message: 'm',
      from: { symbol: 'hello_exit', section: '.exit.text' },
      to: { symbol: 'data', section: '.init.data' },
    };
    const mapped = mapModpostDiagnostic(
      parse(`WARNING: modpost: hello: section mismatch in reference: hello_exit+0x6 (section: .exit.text) -> data (section: .init.data)`),
      context([finding]),
    );
    assert.deepEqual([mapped.line, mapped.character, mapped.method], [11, 31, 'finding']);
  });

  it('maps a neighbouring __UNIQUE_ID artefact to the reference into the same section', () => {
    const mapped = mapModpostDiagnostic(
      parse(
        'WARNING: modpost: hello: section mismatch in reference: hello_exit+0x6 (section: .exit.text) -> __UNIQUE_ID_addressable_init_module_402 (section: .init.data)',
      ),
      context(),
    );
    assert.deepEqual([mapped.line, mapped.character, mapped.method], [11, 30, 'reference-by-section']);
    assert.match(mapped.note ?? '', /source reads data/);
  });

  it('falls back to the from-symbol definition', () => {
    const mapped = mapModpostDiagnostic(
      parse('WARNING: modpost: hello: section mismatch in reference: helper+0x2 (section: .text) -> gone (section: .init.text)'),
      context(),
    );
    assert.deepEqual([mapped.line, mapped.character, mapped.method], [5, 4, 'symbol-definition']);
  });

  it('maps undefined, GPL-only and namespace symbols to their first use', () => {
    for (const line of [
      `ERROR: modpost: "ext_fn" [${dir}/hello.ko] undefined!`,
      "ERROR: modpost: GPL-incompatible module hello.ko uses GPL-only symbol 'ext_fn'",
      'ERROR: modpost: module hello uses symbol ext_fn from namespace NS, but does not import it.',
      "ERROR: modpost: hello.ko: symbol 'ext_fn' undefined!",
      "ERROR: modpost: hello.ko: GPL-incompatible module uses GPL-only symbol 'ext_fn'",
      "ERROR: modpost: hello.ko: module uses symbol 'ext_fn' from namespace 'NS', but does not import it.",
    ]) {
      const mapped = mapModpostDiagnostic(parse(line), context());
      assert.deepEqual([mapped.line, mapped.character, mapped.method], [6, 8, 'symbol-use'], line);
    }
  });

  it('maps export warnings to the EXPORT_SYMBOL line', () => {
    const mapped = mapModpostDiagnostic(
      parse('WARNING: modpost: hello: helper: EXPORT_SYMBOL used for init symbol. Remove __init or EXPORT_SYMBOL.'),
      context(),
    );
    assert.deepEqual([mapped.line, mapped.method], [7, 'export-macro']);
  });

  it('maps the export errors of every version to the EXPORT_SYMBOL line, and a too long name to the obj-m line', () => {
    for (const line of [
      `ERROR: modpost: "helper" [${dir}/hello.ko] was exported without definition`,
      "ERROR: modpost: hello.ko: symbol 'helper' was exported without definition",
      `ERROR: modpost: ${dir}/hello: 'helper' exported twice. Previous export was in vmlinux`,
      "ERROR: modpost: hello.ko: symbol 'helper' exported twice. Previous export was in vmlinux",
      "ERROR: modpost: hello.ko: local symbol 'helper' was exported",
    ]) {
      const mapped = mapModpostDiagnostic(parse(line), context());
      assert.deepEqual([mapped.line, mapped.character, mapped.method], [7, 0, 'export-macro'], line);
    }
    for (const line of [`ERROR: modpost: module name is too long [${dir}/hello.ko]`, 'ERROR: modpost: hello.ko: module name is too long']) {
      const mapped = mapModpostDiagnostic(parse(line), context());
      assert.deepEqual([mapped.file, mapped.line, mapped.method], [`${dir}/Makefile`, 3, 'makefile'], line);
    }
  });

  it('maps missing MODULE_LICENSE next to the other MODULE_* lines', () => {
    const mapped = mapModpostDiagnostic(parse(`ERROR: modpost: missing MODULE_LICENSE() in ${dir}/hello.o`), context());
    assert.deepEqual([mapped.line, mapped.method], [16, 'module-file']);
  });

  it('without the analyzer: module files from the Makefile, unknown symbols at the obj-m line', () => {
    const noAnalysis: MapContext = { moduleDir: dir, kbuildModules: [module] };
    const license = mapModpostDiagnostic(parse(`ERROR: modpost: missing MODULE_LICENSE() in ${dir}/hello.o`), noAnalysis);
    assert.deepEqual([license.file, license.line], [file, 0]);
    const mismatch = mapModpostDiagnostic(
      parse(
        `WARNING: modpost: ${dir}/hello.o: section mismatch in reference: cleanup_module (section: .exit.text) -> data (section: .init.data)`,
      ),
      noAnalysis,
    );
    assert.deepEqual([mismatch.file, mismatch.line, mismatch.method], [`${dir}/Makefile`, 3, 'makefile']);
  });
});

/** Expected 1-based source lines of each modpost line of a captured log, in log order. */
const REAL_CASES: { version: string; log: string; source: string; expected: [string, number][] }[] = [
  { version: '6.1', log: 'hello-3', source: 'hello-3', expected: [['hello-3.c', 22]] },
  {
    version: '6.1',
    log: 'hello-3-strict',
    source: 'hello-3',
    expected: [
      ['hello-3.c', 22],
      ['Makefile', 1],
    ],
  },
  { version: '6.1', log: 'no-license', source: 'no-license', expected: [['no-license.c', 17]] },
  { version: '6.1', log: 'undefined-symbol', source: 'undefined-symbol', expected: [['undefined-symbol.c', 8]] },
  { version: '6.1', log: 'export-init', source: 'export-init', expected: [['export-init.c', 8]] },
  { version: '6.1', log: 'gpl-only', source: 'gpl-only', expected: [['gpl-only.c', 9]] },
  { version: '6.1', log: 'namespace', source: 'namespace', expected: [['namespace.c', 7]] },
  { version: '6.1', log: 'multi-object', source: 'multi-object', expected: [['multi-helper.c', 8]] },
  {
    version: '6.1',
    log: 'mismatch-kinds',
    source: 'mismatch-kinds',
    expected: [
      ['mismatch-kinds.c', 25],
      ['mismatch-kinds.c', 30],
      ['mismatch-kinds.c', 21],
    ],
  },
  {
    version: '6.1',
    log: 'secmm-w1',
    source: 'secmm',
    expected: [
      ['secmm.c', 53],
      ['secmm.c', 48],
      ['secmm.c', 44],
      ['secmm.c', 70],
      ['secmm.c', 82],
      ['secmm2.c', 28],
      ['secmm2.c', 38],
      ['secmm2.c', 33],
    ],
  },
  {
    version: '6.6',
    log: 'secmm',
    source: 'secmm',
    expected: [
      ['secmm.c', 44],
      ['secmm.c', 48],
      ['secmm.c', 70],
      ['secmm.c', 82],
      ['secmm2.c', 33],
      ['secmm2.c', 38],
      ['secmm.c', 48],
      ['secmm.c', 87],
      ['Makefile', 1],
    ],
  },
  {
    version: '7.1',
    log: 'secmm',
    source: 'secmm',
    expected: [
      ['secmm.c', 44],
      ['secmm.c', 53],
      ['secmm.c', 48],
      ['secmm.c', 70],
      ['secmm.c', 82],
      ['secmm2.c', 33],
      ['secmm2.c', 38],
    ],
  },
];

describe('modpost → source mapping (real logs, real analyzer)', function () {
  this.timeout(60_000);
  after(removeTempCopies);

  for (const { version, log, source, expected } of REAL_CASES) {
    it(`${version}/${log}`, async () => {
      const dir = copySources(source);
      const analysis = await analyzeModuleDir(dir, { kernelVersion: version });
      const context: MapContext = { moduleDir: dir, analysis, kbuildModules: declaredModules(dir) };
      const mapped = fixtureLog(version, log, dir)
        .split('\n')
        .map(parseModpostLine)
        .filter((d) => d !== undefined)
        .map((d) => mapModpostDiagnostic(d, context))
        .map((m): [string, number] => [path.relative(dir, m.file), m.line + 1]);
      assert.deepEqual(mapped, expected);
    });
  }
});

/** Where each modpost line of the link-* logs lands (file:line:column, 1-based, and how), the same on every kernel. */
const MANY_UNDEFINED: string[] = [
  ...[23, 24].flatMap((line) => [9, 28, 47, 66].map((column) => `link_many_undefined.c:${line}:${column} symbol-use`)),
  'link_many_undefined.c:25:9 symbol-use',
  'link_many_undefined.c:25:28 symbol-use',
  // "suppressed 2 unresolved symbol warnings …" names no module: the obj-m line.
  'Makefile:1:1 makefile',
];
const LINK_MAPPED: Record<string, string[]> = {
  'link-clean': [],
  'link-namespace-ok': [],
  // The first reference in a body; the call inside #if 0 does not count.
  'link-undefined': ['link_undefined.c:19:23 symbol-use', 'link_undefined.c:20:20 symbol-use'],
  'link-undefined-mw1': ['link_undefined.c:19:23 symbol-use', 'link_undefined.c:20:20 symbol-use'],
  'link-many-undefined': MANY_UNDEFINED,
  'link-many-undefined-mw1': MANY_UNDEFINED,
  'link-gpl': ['link_gpl.c:9:16 symbol-use'],
  'link-namespace': ['link_namespace.c:19:3 symbol-use'],
  'link-long-symbol': ['link_long_import.c:8:9 symbol-use'],
  'link-export-undef': ['link_export_undef.c:7:1 export-macro'],
  'link-export-dup': ['link_export_dup.c:11:1 export-macro'],
  'link-export-static': ['link_export_static.c:10:1 export-macro'],
  'link-import-module-ns': ['link_import_module_ns.c:23:1 module-macro'],
  // Where the missing line belongs: next to the other MODULE_* lines.
  'link-nolicense': ['link_nolicense.c:20:1 module-file'],
  'link-nodesc': ['link_nodesc.c:17:1 module-file'],
  'link-nodesc-w1': ['link_nodesc.c:17:1 module-file'],
  'link-name-too-long': ['Makefile:1:1 makefile'],
};
/** The logs in which that kernel's modpost printed nothing. */
const LINK_SILENT: Record<string, string[]> = {
  '6.1': ['link-import-module-ns', 'link-nodesc', 'link-nodesc-w1'],
  '6.12': ['link-import-module-ns', 'link-nodesc'],
  '7.3': ['link-long-symbol'],
};

describe('modpost → source mapping of the link checks (real 6.1, 6.12 and 7.3 logs, real analyzer)', function () {
  this.timeout(60_000);
  after(removeTempCopies);

  for (const [series, silent] of Object.entries(LINK_SILENT)) {
    it(`${series}: every link-* log`, async () => {
      const logs = fixtureLogNames(series).filter((n) => n.startsWith('link-'));
      assert.deepEqual(logs, Object.keys(LINK_MAPPED).sort());
      for (const log of logs) {
        const dir = copySources(path.join(REPO_ROOT, 'test/kbuild/fixtures', log.replace(/-(?:mw1|w1)$/, '')));
        const analysis = await analyzeModuleDir(dir, { kernelVersion: series });
        const context: MapContext = { moduleDir: dir, analysis, kbuildModules: declaredModules(dir) };
        const mapped = fixtureLog(series, log, dir)
          .split('\n')
          .map(parseModpostLine)
          .filter((d) => d !== undefined)
          .map((d) => mapModpostDiagnostic(d, context))
          .map((m) => `${path.relative(dir, m.file)}:${m.line + 1}:${m.character + 1} ${m.method}`);
        assert.deepEqual(mapped, silent.includes(log) ? [] : LINK_MAPPED[log], `${series}/${log}`);
      }
    });
  }
});
