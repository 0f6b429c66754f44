import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { absoluteGccLine, formatModpostLine, parseGccLine } from './diagnostic-lines';
import { copySources, fixtureLog, fixtureLogNames, installedKdir, REPO_ROOT, removeTempCopies } from '../../test/support/build-logs';
import { parseBuildReport } from './build-report';
import { applyMatcher, BUILD_TASK_MATCHERS, PROBLEM_MATCHERS, problemMatchersContribution, type MatchedProblem } from './problem-matchers';

const M = '/home/dev/mods/m';
const VERSIONS = ['6.1', '6.6', '6.12', '7.1', '7.3'];
const RAW_MATCHERS = ['modpost', 'modpost-module'];
/** modpost lines that name no module: no matcher can give them a file. */
const MODULELESS = /^(?:WARNING|ERROR|FATAL): modpost: (?:Section mismatches detected\.|suppressed \d+ unresolved symbol warnings )/;

/** Problems the build task's matchers find in an output (each line tried against every matcher, as VS Code does). */
function problems(output: string, matchers = BUILD_TASK_MATCHERS.map((m) => m.slice(1))): (MatchedProblem & { matcher: string })[] {
  return output.split('\n').flatMap((line) =>
    matchers.flatMap((name) => {
      const p = applyMatcher(name, line);
      return p ? [{ ...p, matcher: name }] : [];
    }),
  );
}

describe('problem matchers', () => {
  it('package.json contributes exactly the generated matchers', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      contributes?: { problemMatchers?: unknown };
    };
    assert.deepEqual(pkg.contributes?.problemMatchers, problemMatchersContribution(), 'regenerate with: npm run generate');
  });

  it("no contributed matcher takes another one's lines: each sample is matched by its own matcher only", () => {
    const samples: Record<string, string[]> = {
      'kbuild-gcc': [
        `${M}/a.c:3:5: error: 'x' undeclared (first use in this function)`,
        `${M}/a.c:9:7: warning: unused variable 'y' [-Wunused-variable]`,
      ],
      'kbuild-modpost': [
        formatModpostLine({
          file: `${M}/hello-3.c`,
          line: 21,
          character: 41,
          severity: 'warning',
          message: `${M}/hello-3.o: section mismatch in reference: cleanup_module (section: .exit.text) -> hello3_data (section: .init.data)`,
        }),
      ],
      'kmod-vm': [
        `${M}/hello-3.c:22:42-53: error: BUG: unable to handle page fault in hello_3_exit+0x6 while testing in the VM — explained by hello-3.c:22: hello_3_exit (.exit.text) runs at rmmod, but hello3_data is __initdata [vm]`,
        `${M}/hello-3.c:22: warning: WARNING in hello_3_exit+0x6 while testing in the VM [vm]`,
      ],
      modpost: [
        `WARNING: modpost: ${M}/hello-3.o: section mismatch in reference: cleanup_module (section: .exit.text) -> hello3_data (section: .init.data)`,
      ],
      'modpost-module': [`ERROR: modpost: hello-3.ko: symbol 'kallsyms_lookup_name' undefined!`],
    };
    assert.deepEqual(Object.keys(samples).sort(), PROBLEM_MATCHERS.map((m) => m.name).sort(), 'a sample for every contributed matcher');
    for (const [owner, lines] of Object.entries(samples))
      for (const line of lines) {
        const takers = PROBLEM_MATCHERS.map((m) => m.name).filter((name) => applyMatcher(name, line));
        assert.deepEqual(takers, [owner], line);
      }
  });

  it('every regex compiles and names its groups consistently', () => {
    for (const m of PROBLEM_MATCHERS) {
      const groups = new RegExp(`${m.pattern.regexp}|`).exec('')!.length - 1;
      for (const key of ['file', 'line', 'column', 'endColumn', 'severity', 'message', 'code'] as const) {
        const index = m.pattern[key];
        if (index !== undefined) assert.ok(index <= groups, `${m.name}.${key} = ${index} > ${groups} groups`);
      }
    }
  });

  it('kmod-vm: the identifier as a range, else the whole line, and the message without its [vm] tag', () => {
    const identifier = applyMatcher('kmod-vm', `${M}/hello-3.c:22:42-53: error: BUG: unable to handle page fault in hello_3_exit+0x6 [vm]`);
    assert.deepEqual(identifier, {
      file: `${M}/hello-3.c`,
      line: 22,
      column: 42,
      endColumn: 53,
      severity: 'error',
      message: 'BUG: unable to handle page fault in hello_3_exit+0x6',
      code: undefined,
    });
    const whole = applyMatcher('kmod-vm', `${M}/hello-3.c:22: warning: WARNING in hello_3_exit+0x6 [vm]`);
    assert.deepEqual(
      [whole?.line, whole?.column, whole?.endColumn, whole?.message],
      [22, undefined, undefined, 'WARNING in hello_3_exit+0x6'],
    );
    // The VM task also runs the build matchers: none of them may take a crash line.
    for (const name of ['kbuild-gcc', 'kbuild-modpost'])
      assert.equal(applyMatcher(name, `${M}/hello-3.c:22:42-53: error: BUG: x [vm]`), undefined, name);
  });

  it('kbuild-gcc: real 6.1 gcc errors with absolute paths, not the notes', () => {
    const found = problems(fixtureLog('6.1', 'gcc-error', M));
    assert.deepEqual(found, [
      {
        file: `${M}/gcc-error.c`,
        line: 6,
        column: 36,
        severity: 'error',
        message: '‘undeclared_counter’ undeclared (first use in this function)',
        code: undefined,
        matcher: 'kbuild-gcc',
      },
    ]);
    const conflict = problems(fixtureLog('6.1', 'section-conflict', M));
    assert.deepEqual(
      conflict.map((p) => [p.file, p.line, p.column, p.severity]),
      [[`${M}/section-conflict.c`, 4, 19, 'error']],
    );
    assert.match(conflict[0].message, /^‘banner’ causes a section type conflict with ‘__UNIQUE_ID___addressable_init_module194’$/);
  });

  it('kbuild-gcc: warnings carry their -W option as the code', () => {
    const found = problems(fixtureLog('6.1', 'secmm-w1', M));
    assert.deepEqual(
      found.map((p) => [path.basename(p.file), p.line, p.column, p.severity, p.code]),
      [
        ['secmm.c', 66, 12, 'warning', '-Wmissing-prototypes'],
        ['secmm2.c', 31, 14, 'warning', '-Wmissing-prototypes'],
      ],
    );
    assert.equal(found[0].message, 'no previous prototype for ‘exported_init_fn’');
  });

  it("7.x relative gcc paths: only the wrapper's absolute copy is matched", () => {
    const relative = fixtureLog('7.1', 'section-conflict').trim();
    assert.deepEqual(problems(relative), []);
    const copy = absoluteGccLine(parseGccLine(relative)!, M)!;
    assert.deepEqual(
      problems(copy).map((p) => [p.file, p.line, p.column, p.severity]),
      [[`${M}/conf.c`, 3, 19, 'error']],
    );
  });

  it('kbuild-modpost takes the wrapper lines and kbuild-gcc leaves them alone', () => {
    const line = formatModpostLine({
      file: `${M}/hello-3.c`,
      line: 21,
      character: 41,
      severity: 'warning',
      message: `${M}/hello-3.o: section mismatch in reference: cleanup_module (section: .exit.text) -> hello3_data (section: .init.data)`,
    });
    assert.deepEqual(problems(line), [], 'the build task takes modpost problems from its report, not from the output');
    assert.deepEqual(problems(line, ['kbuild-gcc', 'kbuild-modpost']), [
      {
        file: `${M}/hello-3.c`,
        line: 22,
        column: 42,
        severity: 'warning',
        message: `${M}/hello-3.o: section mismatch in reference: cleanup_module (section: .exit.text) -> hello3_data (section: .init.data)`,
        code: undefined,
        matcher: 'kbuild-modpost',
      },
    ]);
  });

  it('no build-task matcher fires on raw modpost, make or kbuild progress lines of any captured log', () => {
    for (const version of VERSIONS) {
      for (const name of fixtureLogNames(version)) {
        const found = problems(fixtureLog(version, name, M));
        for (const p of found) assert.equal(p.matcher, 'kbuild-gcc', `${version}/${name}: ${JSON.stringify(p)}`);
      }
    }
  });

  it('the raw modpost fallback puts 6.1 lines on their object files', () => {
    const found = problems(['hello-3', 'no-license', 'undefined-symbol', 'export-init'].map((n) => fixtureLog('6.1', n, M)).join('\n'), [
      'modpost',
    ]);
    assert.deepEqual(
      found.map((p) => [p.file, p.severity]),
      [
        [`${M}/hello-3.o`, 'warning'],
        [`${M}/no-license.o`, 'error'],
        [`${M}/undefined-symbol.ko`, 'error'],
        [`${M}/export-init.o`, 'warning'],
      ],
    );
    assert.match(found[0].message, /^\/home\/dev\/mods\/m\/hello-3\.o: section mismatch in reference: cleanup_module/);
  });

  it('every modpost line of every captured log that names a module is matched by exactly one raw matcher, every line by at most one matcher', () => {
    let matched = 0;
    for (const version of VERSIONS) {
      for (const name of fixtureLogNames(version)) {
        for (const line of fixtureLog(version, name, M).split('\n')) {
          const names = PROBLEM_MATCHERS.map((m) => m.name).filter((n) => applyMatcher(n, line));
          assert.ok(names.length <= 1, `${version}/${name}: ${names.join(' + ')} on ${line}`);
          if (/^(?:WARNING|ERROR|FATAL): modpost: /.test(line) && !MODULELESS.test(line)) {
            assert.equal(names.length, 1, `${version}/${name}: no matcher for ${line}`);
            assert.ok(RAW_MATCHERS.includes(names[0]), `${version}/${name}: ${names[0]} on ${line}`);
            matched++;
          } else if (MODULELESS.test(line)) {
            assert.deepEqual(names, [], `${version}/${name}: ${line}`);
          }
        }
      }
    }
    assert.ok(matched >= 140, `only ${matched} modpost lines`);
  });

  /**
   * The raw matchers' problems in the real link-* logs of one kernel, as "matcher severity file";
   * each message is the whole modpost text.
   */
  function rawProblems(version: string, names: string[]): string[] {
    const lines = names.flatMap((n) => fixtureLog(version, n, M).split('\n'));
    const found = problems(lines.join('\n'), RAW_MATCHERS);
    const texts = lines.filter((l) => /^(?:WARNING|ERROR): modpost: /.test(l) && !MODULELESS.test(l));
    assert.deepEqual(
      found.map((p) => p.message),
      texts.map((l) => l.replace(/^\w+: modpost: /, '')),
    );
    return found.map((p) => `${p.matcher} ${p.severity} ${p.file}`);
  }
  const LINK = [
    'link-undefined',
    'link-gpl',
    'link-nolicense',
    'link-namespace',
    'link-export-undef',
    'link-export-dup',
    'link-export-static',
  ];

  it('7.3: every link check is matched by modpost-module on "<name>.ko"', () => {
    assert.deepEqual(
      rawProblems('7.3', [...LINK, 'link-nodesc', 'link-import-module-ns', 'link-name-too-long', 'link-many-undefined-mw1']),
      [
        'modpost-module error link_undefined.ko',
        'modpost-module error link_undefined.ko',
        'modpost-module error link_gpl.ko',
        'modpost-module error link_nolicense.ko',
        'modpost-module error link_namespace.ko',
        'modpost-module error link_export_undef.ko',
        'modpost-module error link_export_dup.ko',
        'modpost-module error link_export_static.ko',
        'modpost-module warning link_nodesc.ko',
        'modpost-module error link_import_module_ns.ko',
        'modpost-module error link_name_too_long_abcdefghijklmnopqrstuvwxyz_0123456789.ko',
        ...Array<string>(10).fill('modpost-module warning link_many_undefined.ko'),
      ],
    );
  });

  it('6.1 and 6.12: lines with a path on that path (modpost), the GPL and namespace lines on the module name (modpost-module)', () => {
    for (const version of ['6.1', '6.12']) {
      assert.deepEqual(
        rawProblems(version, [...LINK, 'link-nodesc-w1', 'link-name-too-long', 'link-long-symbol']),
        [
          `modpost error ${M}/link_undefined.ko`,
          `modpost error ${M}/link_undefined.ko`,
          'modpost-module error link_gpl.ko',
          `modpost error ${M}/link_nolicense.o`,
          'modpost-module error link_namespace',
          `modpost error ${M}/link_export_undef.ko`,
          `modpost error ${M}/link_export_dup`,
          // 6.1 rejects a static export before modpost (scripts/check-local-export): a gcc-step line no matcher reads.
          ...(version === '6.12' ? [`modpost error ${M}/link_export_static`] : []),
          ...(version === '6.12' ? [`modpost warning ${M}/link_nodesc.o`] : []),
          `modpost error ${M}/link_name_too_long_abcdefghijklmnopqrstuvwxyz_0123456789.ko`,
          `modpost error ${M}/link_long_import.ko`,
        ],
        version,
      );
    }
  });
});

describe('problem matchers on a real wrapped build [system]', function () {
  this.timeout(120_000);
  after(removeTempCopies);

  it('secmm with W=1: gcc warnings and every modpost line at its source line, the same in the report', async () => {
    const kdir = installedKdir();
    const dir = copySources('secmm');
    const reportFile = path.join(dir, 'report.json');
    const wrapper = path.join(REPO_ROOT, 'out/tools/src/kbuild-run.js');
    const output = await new Promise<string>((resolve, reject) => {
      const args = [wrapper, '--module-dir', dir, '--report', reportFile, '--', 'make', '-C', kdir, `M=${dir}`, 'modules', 'W=1'];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}\n${text}`))));
    });
    const modpostLines = [
      'secmm.c:44',
      'secmm.c:48',
      'secmm.c:53',
      'secmm.c:70',
      'secmm.c:82',
      'secmm2.c:28',
      'secmm2.c:33',
      'secmm2.c:38',
    ];
    const found = problems(output, ['kbuild-gcc', 'kbuild-modpost']).map(
      (p) => `${p.matcher} ${path.relative(dir, p.file)}:${p.line} ${p.severity}`,
    );
    assert.deepEqual(found.sort(), [
      'kbuild-gcc secmm.c:66 warning',
      'kbuild-gcc secmm2.c:31 warning',
      ...modpostLines.map((line) => `kbuild-modpost ${line} warning`),
    ]);
    const report = parseBuildReport(fs.readFileSync(reportFile, 'utf8'));
    assert.ok(report);
    assert.deepEqual(report.problems.map((p) => `${path.relative(dir, p.file)}:${p.line + 1}`).sort(), modpostLines);
    assert.ok(report.problems.every((p) => ['section-mismatch', 'export-init-exit'].includes(p.code) && p.endCharacter > p.character));
  });
});
