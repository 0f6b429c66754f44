// Server settings: pulled from the client's `kmod` configuration section when it supports
// workspace/configuration (VS Code), else taken from initializationOptions (Neovim, eglot).

import type { Connection } from 'vscode-languageserver';

export interface ServerSettings {
  kernelBuildDir: string;
  kernelVersion: string;
  disabledCodes: string[];
}

const DEFAULTS: ServerSettings = { kernelBuildDir: '', kernelVersion: '', disabledCodes: [] };

interface ClientConfiguration {
  kernelBuildDir?: unknown;
  kernelVersion?: unknown;
  diagnostics?: { disabledCodes?: unknown };
  disabledCodes?: unknown;
}

function normalise(raw: ClientConfiguration | undefined): Partial<ServerSettings> {
  if (!raw || typeof raw !== 'object') return {};
  const codes = raw.diagnostics?.disabledCodes ?? raw.disabledCodes;
  return {
    ...(typeof raw.kernelBuildDir === 'string' ? { kernelBuildDir: raw.kernelBuildDir } : {}),
    ...(typeof raw.kernelVersion === 'string' ? { kernelVersion: raw.kernelVersion } : {}),
    ...(Array.isArray(codes) ? { disabledCodes: codes.filter((c): c is string => typeof c === 'string') } : {}),
  };
}

export async function readSettings(connection: Connection, pull: boolean, initialization: ClientConfiguration): Promise<ServerSettings> {
  let pulled: Partial<ServerSettings> = {};
  if (pull) {
    try {
      pulled = normalise(await connection.workspace.getConfiguration('kmod') as ClientConfiguration);
    } catch {
      pulled = {};
    }
  }
  return { ...DEFAULTS, ...normalise(initialization), ...pulled };
}
