// The kmod.* settings the build/load/log features read, and where their helper scripts live.

import * as vscode from 'vscode';
import type { KbuildSettings, ToolPaths } from '../../shared/src/command-lines';
import { sectionKey, SETTINGS, SETTINGS_SECTION, type SettingKey } from '../../shared/src/settings';

export const SECTION = SETTINGS_SECTION;

/** The values a string setting can take: its declared choices, else any string. */
type StringValue<K extends SettingKey> = (typeof SETTINGS)[K] extends { enum: readonly (infer Choice)[] } ? Choice : string;

/** A string setting's value, or its declared default when unset or not one of its declared choices. */
function stringSetting<K extends SettingKey>(config: vscode.WorkspaceConfiguration, key: K): StringValue<K> {
  const declared = SETTINGS[key] as { default: unknown; enum?: readonly string[] };
  const value = config.get<unknown>(sectionKey(key));
  const valid = typeof value === 'string' && (!declared.enum || declared.enum.includes(value));
  return (valid ? value : declared.default) as StringValue<K>;
}

export interface Settings extends KbuildSettings {
  /** kmod.kernelBuildDir (empty: detect). */
  kernelBuildDir: string;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    kernelBuildDir: stringSetting(config, 'kmod.kernelBuildDir').trim(),
    kernelVersion: stringSetting(config, 'kmod.kernelVersion').trim(),
    privilegeHelper: stringSetting(config, 'kmod.privilegeHelper'),
    buildStrategy: stringSetting(config, 'kmod.buildStrategy'),
    moduleParameters: stringSetting(config, 'kmod.moduleParameters'),
    kernelLogFrom: stringSetting(config, 'kmod.kernelLog.from'),
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
