// The kmod.* settings the build/load/log features read, and where their helper scripts live.

import * as vscode from 'vscode';
import type { BuildStrategy, KbuildSettings, PrivilegeHelper, ToolPaths } from '../../shared/src/command-lines';

export const SECTION = 'kmod';

const PRIVILEGE_HELPERS: readonly PrivilegeHelper[] = ['sudo', 'pkexec', 'none'];
const BUILD_STRATEGIES: readonly BuildStrategy[] = ['kbuild', 'makefile'];

const oneOf = <T extends string>(value: unknown, allowed: readonly T[], fallback: T): T =>
  allowed.includes(value as T) ? (value as T) : fallback;

export interface Settings extends KbuildSettings {
  /** kmod.kernelBuildDir (empty: detect). */
  kernelBuildDir: string;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    kernelBuildDir: config.get<string>('kernelBuildDir', '').trim(),
    kernelVersion: config.get<string>('kernelVersion', '').trim(),
    privilegeHelper: oneOf(config.get('privilegeHelper'), PRIVILEGE_HELPERS, 'sudo'),
    buildStrategy: oneOf(config.get('buildStrategy'), BUILD_STRATEGIES, 'kbuild'),
    moduleParameters: config.get<string>('moduleParameters', ''),
    isRoot: process.getuid?.() === 0,
  };
}

/** The bundled helper scripts run with VS Code's own Node (no node on PATH needed). */
export function toolPaths(context: vscode.ExtensionContext): ToolPaths {
  return {
    node: process.execPath,
    nodeEnv: { ELECTRON_RUN_AS_NODE: '1' },
    kbuildRun: context.asAbsolutePath('dist/kbuild-run.js'),
    kmodRun: context.asAbsolutePath('dist/kmod-run.js'),
    kmsgFollow: context.asAbsolutePath('dist/kmsg-follow.js'),
    vmtest: context.asAbsolutePath('dist/vmtest.js'),
  };
}
