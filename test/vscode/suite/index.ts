// Entry point the extension host loads (extensionTestsPath): runs every *.test.js beside this file with
// mocha, in file-name order (the numeric prefixes order the scenarios).
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, grep: process.env.KMOD_VSCODE_GREP });
  const testFiles = fs
    .readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.js'))
    .sort();
  if (testFiles.length === 0) return Promise.reject(new Error(`no *.test.js in ${__dirname}: run "npm run build"`));
  for (const name of testFiles) mocha.addFile(path.join(__dirname, name));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
