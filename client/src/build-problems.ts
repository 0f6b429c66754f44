// modpost's problems from the last build, as diagnostics this extension owns. The build task's
// wrapper writes them to a report file (shared/src/build-report.ts) instead of leaving them to a
// problem matcher, whose problems nothing but the next build can remove: here a file's build
// problems go as soon as the file changes (the analyzer's live findings take over), and Clean
// removes its module's.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseBuildReport } from '../../shared/src/build-report';
import type { TaskKind } from '../../shared/src/command-lines';
import { readTextFileSync } from '../../shared/src/safe-read';

/** Kinds of kbuild tasks whose end brings a report, and that replace the module's build problems. */
const REPORTING: ReadonlySet<TaskKind> = new Set(['build', 'build-all']);
/** A report larger than this is not one the wrapper wrote. */
const MAX_REPORT_BYTES = 4 * 1024 * 1024;

let reportsDir: string | undefined;

/** Where the build task of `moduleDir` writes its report (undefined before activation). */
export function buildReportFile(moduleDir: string): string | undefined {
  if (!reportsDir) return undefined;
  const id = crypto.createHash('sha256').update(path.resolve(moduleDir)).digest('hex').slice(0, 16);
  return path.join(reportsDir, `${id}.json`);
}

interface KbuildTask {
  task: TaskKind;
  moduleDir: string;
}

/** The kind and module dir of a kbuild task this extension made (its definition after resolution). */
function kbuildTaskOf(task: vscode.Task): KbuildTask | undefined {
  const definition = task.definition as { type?: string; task?: TaskKind };
  if (definition.type !== 'kbuild' || !definition.task) return undefined;
  const execution = task.execution;
  const cwd = execution instanceof vscode.ProcessExecution ? execution.options?.cwd : undefined;
  return cwd ? { task: definition.task, moduleDir: cwd } : undefined;
}

function readReport(file: string): ReturnType<typeof parseBuildReport> {
  try {
    return parseBuildReport(readTextFileSync(file, MAX_REPORT_BYTES));
  } catch {
    return undefined;
  }
}

const inside = (file: string, dir: string): boolean => {
  const relative = path.relative(dir, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

export function registerBuildProblems(context: vscode.ExtensionContext): void {
  reportsDir = path.join((context.storageUri ?? context.globalStorageUri).fsPath, 'build-reports');
  const collection = vscode.languages.createDiagnosticCollection('modpost');
  /** Module dir → the files its last build put problems on. */
  const filesOf = new Map<string, Set<string>>();

  const clearModule = (moduleDir: string): void => {
    for (const file of filesOf.get(moduleDir) ?? []) collection.delete(vscode.Uri.file(file));
    filesOf.delete(moduleDir);
  };

  const publish = (moduleDir: string, reportFile: string): void => {
    const report = readReport(reportFile);
    fs.rmSync(reportFile, { force: true });
    if (!report || path.resolve(report.moduleDir) !== path.resolve(moduleDir)) return;
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const problem of report.problems) {
      const range = new vscode.Range(problem.line, problem.character, problem.line, Math.max(problem.endCharacter, problem.character));
      const severity = problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
      const diagnostic = new vscode.Diagnostic(range, problem.message, severity);
      diagnostic.source = 'modpost';
      diagnostic.code = problem.code;
      byFile.set(problem.file, [...(byFile.get(problem.file) ?? []), diagnostic]);
    }
    for (const [file, diagnostics] of byFile) collection.set(vscode.Uri.file(file), diagnostics);
    filesOf.set(moduleDir, new Set(byFile.keys()));
  };

  const dropFile = (uri: vscode.Uri): void => {
    if (collection.has(uri)) collection.delete(uri);
  };
  /** Drops the problems of deleted or moved files and folders. */
  const dropUnder = (gone: readonly vscode.Uri[]): void => {
    const files: vscode.Uri[] = [];
    collection.forEach((file) => {
      if (gone.some((uri) => inside(file.fsPath, uri.fsPath))) files.push(file);
    });
    files.forEach(dropFile);
  };

  context.subscriptions.push(
    collection,
    vscode.tasks.onDidStartTask((event) => {
      const task = kbuildTaskOf(event.execution.task);
      if (task && (REPORTING.has(task.task) || task.task === 'clean')) clearModule(task.moduleDir);
    }),
    vscode.tasks.onDidEndTaskProcess((event) => {
      const task = kbuildTaskOf(event.execution.task);
      if (!task || !REPORTING.has(task.task)) return;
      const reportFile = buildReportFile(task.moduleDir);
      if (reportFile) publish(task.moduleDir, reportFile);
    }),
    // The build saw the file as it was: once it changes, the analyzer's findings are the current ones.
    vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.contentChanges.length > 0) dropFile(event.document.uri);
    }),
    vscode.workspace.onDidDeleteFiles((event) => dropUnder(event.files)),
    vscode.workspace.onDidRenameFiles((event) => dropUnder(event.files.map((file) => file.oldUri))),
  );
}
