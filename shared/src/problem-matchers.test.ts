import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { absoluteGccLine, formatModpostLine, parseGccLine } from './diagnostic-lines';
import { copySources, fixtureLog, fixtureLogNames, installedKdir, REPO_ROOT, removeTempCopies } from '../../test/support/build-logs';
import { applyMatcher, BUILD_TASK_MATCHERS, PROBLEM_MATCHERS, problemMatchersContribution, type MatchedProblem } from './problem-matchers';

const M = '/home/dev/mods/m';

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

  it('every regex compiles and names its groups consistently', () => {
    for (const m of PROBLEM_MATCHERS) {
      const groups = new RegExp(`${m.pattern.regexp}|`).exec('')!.length - 1;
      for (const key of ['file', 'line', 'column', 'severity', 'message', 'code'] as const) {
        const index = m.pattern[key];
        if (index !== undefined) assert.ok(index <= groups, `${m.name}.${key} = ${index} > ${groups} groups`);
      }
    }
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
    assert.deepEqual(problems(line), [
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
    for (const version of ['6.1', '6.6', '7.1']) {
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
});

describe('problem matchers on a real wrapped build [system]', function () {
  this.timeout(120_000);
  after(removeTempCopies);

  it('secmm with W=1: gcc warnings and every modpost line at its source line', async () => {
    const kdir = installedKdir();
    const dir = copySources('secmm');
    const wrapper = path.join(REPO_ROOT, 'out/tools/src/kbuild-run.js');
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [wrapper, '--module-dir', dir, '--', 'make', '-C', kdir, `M=${dir}`, 'modules', 'W=1'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}\n${text}`))));
    });
    const found = problems(output).map((p) => `${p.matcher} ${path.relative(dir, p.file)}:${p.line} ${p.severity}`);
    assert.deepEqual(found.sort(), [
      'kbuild-gcc secmm.c:66 warning',
      'kbuild-gcc secmm2.c:31 warning',
      'kbuild-modpost secmm.c:44 warning',
      'kbuild-modpost secmm.c:48 warning',
      'kbuild-modpost secmm.c:53 warning',
      'kbuild-modpost secmm.c:70 warning',
      'kbuild-modpost secmm.c:82 warning',
      'kbuild-modpost secmm2.c:28 warning',
      'kbuild-modpost secmm2.c:33 warning',
      'kbuild-modpost secmm2.c:38 warning',
    ]);
  });
});
