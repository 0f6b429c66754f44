// `npm run generate`: writes what package.json and the README repeat of the code's tables (the
// settings, the finding codes, the problem matchers), so each fact is written by hand only once.
// `--check` writes nothing and exits 1 when a file is stale; the unit tests run the same check.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { FINDING_CODE_NAMES, FINDING_CODES } from '../../server/src/knowledge/finding-codes';
import { problemMatchersContribution } from '../../shared/src/problem-matchers';
import { parseOrUsage } from '../../shared/src/program-args';
import { SETTINGS, type SettingDeclaration, type SettingKey } from '../../shared/src/settings';

interface PackageJson {
  capabilities: { untrustedWorkspaces: { restrictedConfigurations?: string[] } };
  contributes: { configuration: { title: string; properties: Record<string, unknown> }; problemMatchers: unknown };
}

/**
 * package.json's schema of one setting: the declaration without the README text and trust flag,
 * its texts as Markdown (the Settings UI then shows code, and links to settings and commands).
 */
function settingSchema(key: SettingKey): Record<string, unknown> {
  const { readme, restricted, description, ...rest } = SETTINGS[key] as SettingDeclaration;
  const { enumDescriptions, ...schema } = rest as typeof rest & { enumDescriptions?: readonly string[] };
  const markdown = {
    ...schema,
    markdownDescription: description,
    ...(enumDescriptions ? { markdownEnumDescriptions: enumDescriptions } : {}),
  };
  if (key === 'kmod.diagnostics.disabledCodes') {
    return {
      ...markdown,
      items: {
        type: 'string',
        enum: FINDING_CODE_NAMES,
        markdownEnumDescriptions: FINDING_CODE_NAMES.map((code) => FINDING_CODES[code].title),
      },
    };
  }
  return markdown;
}

const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export function generatedPackageJson(current: string): string {
  const pkg = JSON.parse(current) as PackageJson;
  pkg.contributes.configuration.properties = Object.fromEntries(SETTING_KEYS.map((key) => [key, settingSchema(key)]));
  pkg.capabilities.untrustedWorkspaces.restrictedConfigurations = SETTING_KEYS.filter(
    (key) => (SETTINGS[key] as SettingDeclaration).restricted,
  );
  pkg.contributes.problemMatchers = problemMatchersContribution();
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function settingsTable(): string {
  const rows = SETTING_KEYS.map((key) => `| \`${key}\` | \`${JSON.stringify(SETTINGS[key].default)}\` | ${cell(SETTINGS[key].readme)} |`);
  return ['| Setting | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}

function findingCodesTable(): string {
  const rows = FINDING_CODE_NAMES.map((code) => {
    const info = FINDING_CODES[code];
    return `| \`${code}\` | ${info.severity} | ${cell(info.example)} | ${cell(info.meaning)} |`;
  });
  return ['| Code | Severity | Example | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** Replaces the text between `<!-- generated: name … -->` and `<!-- end: name -->`. */
function replaceBlock(text: string, name: string, content: string): string {
  const start = new RegExp(`<!-- generated: ${name}\\b[^>]*-->\\n`).exec(text);
  const endMarker = `\n<!-- end: ${name} -->`;
  const end = start ? text.indexOf(endMarker, start.index) : -1;
  if (!start || end < 0) throw new Error(`README.md has no <!-- generated: ${name} --> … <!-- end: ${name} --> block`);
  return text.slice(0, start.index + start[0].length) + content + text.slice(end);
}

export function generatedReadme(current: string): string {
  return replaceBlock(replaceBlock(current, 'settings', settingsTable()), 'finding-codes', findingCodesTable());
}

/** Each generated file with its current and its generated text. */
export function generatedFiles(root: string): { file: string; current: string; generated: string }[] {
  const files: [string, (text: string) => string][] = [
    ['package.json', generatedPackageJson],
    ['README.md', generatedReadme],
  ];
  return files.map(([name, generate]) => {
    const file = path.join(root, name);
    const current = fs.readFileSync(file, 'utf8');
    return { file, current, generated: generate(current) };
  });
}

export function main(argv: readonly string[]): number {
  const { values } = parseOrUsage(() =>
    parseArgs({ args: [...argv], strict: true, options: { check: { type: 'boolean', default: false }, root: { type: 'string' } } }),
  );
  const root = path.resolve(values.root ?? path.join(__dirname, '..', '..', '..'));
  let stale = 0;
  for (const { file, current, generated } of generatedFiles(root)) {
    if (current === generated) continue;
    stale++;
    if (values.check) process.stderr.write(`${path.relative(root, file)} is stale: run npm run generate\n`);
    else fs.writeFileSync(file, generated);
  }
  if (!values.check && stale) process.stdout.write(`generate: updated ${stale} file(s)\n`);
  return values.check && stale ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`generate: ${(error as Error).message}\n`);
    process.exitCode = 2;
  }
}
