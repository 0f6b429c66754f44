// Document URIs come from the client: anything may arrive (`file:///tmp/%ZZ.c`, a host part, other
// schemes). Turning one into a path must never throw where nothing catches it.

import { fileURLToPath } from 'node:url';

/** The local path of a well-formed `file:` URI; undefined for other schemes and malformed or remote ones. */
export function filePathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}
