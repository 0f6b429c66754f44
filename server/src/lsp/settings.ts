// Server settings: pulled from the client's `kmod` configuration section when it supports
// workspace/configuration (VS Code), else taken from initializationOptions (Neovim, eglot).

import * as path from 'node:path';
import type { Connection } from 'vscode-languageserver';
import { SETTINGS, SETTINGS_SECTION } from '../../../shared/src/settings';
import { defaultFactsCacheDir } from '../engine/facts-cache';

export interface ServerSettings {
  kernelBuildDir: string;
  /** More build dirs every module is also checked against. */
  kernelBuildDirs: string[];
  kernelVersion: string;
  disabledCodes: string[];
  index: { enabled: boolean; maxFiles: number; excludedDirs: string[] };
  /** Values that were not taken, and why (for the user). */
  ignored: string[];
}

const DEFAULTS: ServerSettings = {
  kernelBuildDir: SETTINGS['kmod.kernelBuildDir'].default,
  kernelBuildDirs: [...SETTINGS['kmod.kernelBuildDirs'].default],
  kernelVersion: SETTINGS['kmod.kernelVersion'].default,
  disabledCodes: [...SETTINGS['kmod.diagnostics.disabledCodes'].default],
  index: {
    enabled: SETTINGS['kmod.index.enabled'].default,
    maxFiles: SETTINGS['kmod.index.maxFiles'].default,
    excludedDirs: [...SETTINGS['kmod.index.exclude'].default],
  },
  ignored: [],
};

interface ClientConfiguration {
  index?: { enabled?: unknown; maxFiles?: unknown; exclude?: unknown };
  kernelBuildDir?: unknown;
  kernelBuildDirs?: unknown;
  kernelVersion?: unknown;
  diagnostics?: { disabledCodes?: unknown };
  disabledCodes?: unknown;
}

function normalise(raw: ClientConfiguration | undefined): Partial<ServerSettings> {
  if (!raw || typeof raw !== 'object') return {};
  const codes = raw.diagnostics?.disabledCodes ?? raw.disabledCodes;
  // A relative directory would be resolved against wherever the server runs (the first workspace
  // folder): a workspace could point the header scan at its own files.
  const kdir = typeof raw.kernelBuildDir === 'string' ? raw.kernelBuildDir : undefined;
  const relativeKdir = kdir !== undefined && kdir !== '' && !path.isAbsolute(kdir);
  return {
    ...(kdir !== undefined && !relativeKdir ? { kernelBuildDir: kdir } : {}),
    ...(relativeKdir ? { ignored: [`kmod.kernelBuildDir "${kdir}" is not an absolute path: ignored`] } : {}),
    ...(Array.isArray(raw.kernelBuildDirs)
      ? { kernelBuildDirs: raw.kernelBuildDirs.filter((dir): dir is string => typeof dir === 'string' && path.isAbsolute(dir)) }
      : {}),
    ...(typeof raw.kernelVersion === 'string' ? { kernelVersion: raw.kernelVersion } : {}),
    ...(Array.isArray(codes) ? { disabledCodes: codes.filter((c): c is string => typeof c === 'string') } : {}),
    ...(raw.index && typeof raw.index === 'object'
      ? {
          index: {
            enabled: typeof raw.index.enabled === 'boolean' ? raw.index.enabled : DEFAULTS.index.enabled,
            maxFiles: typeof raw.index.maxFiles === 'number' && raw.index.maxFiles > 0 ? raw.index.maxFiles : DEFAULTS.index.maxFiles,
            excludedDirs: Array.isArray(raw.index.exclude) ? raw.index.exclude.filter((d): d is string => typeof d === 'string') : [],
          },
        }
      : {}),
  };
}

// Directory names excluded by VS Code's files.exclude: patterns `name` or `**` + `/name` set to true.
function excludedByFilesExclude(filesExclude: unknown): string[] {
  if (!filesExclude || typeof filesExclude !== 'object') return [];
  return Object.entries(filesExclude as Record<string, unknown>)
    .filter(([, on]) => on === true)
    .map(([pattern]) => /^(?:\*\*\/)?([^*?/[\]{}]+)\/?$/.exec(pattern)?.[1])
    .filter((name): name is string => !!name);
}

export async function readSettings(connection: Connection, pull: boolean, initialization: ClientConfiguration): Promise<ServerSettings> {
  let pulled: Partial<ServerSettings> = {};
  let filesExclude: string[] = [];
  if (pull) {
    try {
      const [kmod, files] = (await connection.workspace.getConfiguration([
        { section: SETTINGS_SECTION },
        { section: 'files.exclude' },
      ])) as [ClientConfiguration, unknown];
      pulled = normalise(kmod);
      filesExclude = excludedByFilesExclude(files);
    } catch {
      pulled = {};
    }
  }
  const fromInitialization = normalise(initialization);
  const merged = { ...DEFAULTS, ...fromInitialization, ...pulled };
  return {
    ...merged,
    index: { ...merged.index, excludedDirs: [...merged.index.excludedDirs, ...filesExclude] },
    ignored: [...(fromInitialization.ignored ?? []), ...(pulled.ignored ?? [])],
  };
}

/**
 * Where facts of files on disk are cached: `factsCacheDir` of initializationOptions (the
 * extension's storage), null to cache nothing, else the XDG cache as kmodcheck uses it.
 */
export function factsCacheDirOf(initializationOptions: unknown): string | undefined {
  const given =
    initializationOptions && typeof initializationOptions === 'object'
      ? (initializationOptions as { factsCacheDir?: unknown }).factsCacheDir
      : undefined;
  if (given === null) return undefined;
  // A relative directory would depend on where the server was started.
  if (typeof given === 'string' && path.isAbsolute(given)) return given;
  return defaultFactsCacheDir();
}
