import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseBuildReport, writeBuildReport, type BuildProblem } from './build-report';

const problem: BuildProblem = {
  file: '/m/hello-3.c',
  line: 21,
  character: 41,
  endCharacter: 52,
  severity: 'warning',
  message: 'section mismatch',
  code: 'section-mismatch',
};

describe('build reports', () => {
  it('round-trips through an atomic write', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-report-'));
    try {
      const file = path.join(dir, 'reports', 'r.json');
      writeBuildReport(file, { moduleDir: '/m', problems: [problem] });
      assert.deepEqual(parseBuildReport(fs.readFileSync(file, 'utf8')), { moduleDir: '/m', problems: [problem] });
      assert.deepEqual(fs.readdirSync(path.dirname(file)), ['r.json'], 'no temporary file is left');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drops what is not a report or not a problem, never trusting it', () => {
    assert.equal(parseBuildReport('{"moduleDir": "/m", "problems": [tru'), undefined);
    assert.equal(parseBuildReport('[]'), undefined);
    const report = parseBuildReport(
      JSON.stringify({
        moduleDir: '/m',
        problems: [problem, { ...problem, file: 'relative.c' }, { ...problem, line: -1 }, { ...problem, severity: 'fatal' }, null, 'x'],
      }),
    );
    assert.deepEqual(report?.problems, [problem]);
  });
});
