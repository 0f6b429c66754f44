// The one way files from a workspace or a kernel tree are read. Any repository a user opens is
// untrusted input: a `Kbuild` that is a symlink to /dev/zero would be read forever, and opening a
// FIFO blocks until a writer comes. So: open without blocking, look at what was opened (fstat, not
// the name), read only regular files, and never more than a bound.

import * as fs from 'node:fs';

/** Read at most this much unless the caller says otherwise (larger than any C file the analyzer takes). */
export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** Why a file was not read; `message` names the file and says why, for the user. */
export class FileReadError extends Error {
  constructor(
    readonly file: string,
    readonly reason: 'not-regular' | 'too-large' | 'io',
    message: string,
  ) {
    super(message);
    this.name = 'FileReadError';
  }
}

const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK;
const CHUNK = 64 * 1024;

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notRegular(file: string, stat: fs.Stats): FileReadError {
  return new FileReadError(file, 'not-regular', `${file} is ${kindOf(stat)}, not a regular file: not read`);
}

function tooLarge(file: string, maxBytes: number): FileReadError {
  return new FileReadError(file, 'too-large', `${file} is larger than ${(maxBytes / 1048576).toFixed(0)} MB: not read`);
}

function ioError(file: string, error: unknown): FileReadError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
  return new FileReadError(file, 'io', `cannot read ${file}: ${why}`);
}

/**
 * The bytes of a regular file of at most `maxBytes`; throws FileReadError otherwise. `opened`
 * sees the file's status as it was before the read (what was read is at least that new).
 */
export function readRegularFileSync(file: string, maxBytes = DEFAULT_MAX_BYTES, opened?: (stat: fs.Stats) => void): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS);
  } catch (error) {
    throw ioError(file, error);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw notRegular(file, stat);
    if (stat.size > maxBytes) throw tooLarge(file, maxBytes);
    opened?.(stat);
    // The size is a hint (files grow; /proc files say 0): read until the end, up to the bound.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.max(CHUNK, Math.min(stat.size - total + 1, maxBytes - total + 1)));
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      total += read;
      if (total > maxBytes) throw tooLarge(file, maxBytes);
      chunks.push(read === chunk.length ? chunk : chunk.subarray(0, read));
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } catch (error) {
    throw error instanceof FileReadError ? error : ioError(file, error);
  } finally {
    fs.closeSync(fd);
  }
}

/** A regular file's text (UTF-8) of at most `maxBytes`; throws FileReadError otherwise. */
export function readTextFileSync(file: string, maxBytes = DEFAULT_MAX_BYTES, opened?: (stat: fs.Stats) => void): string {
  return readRegularFileSync(file, maxBytes, opened).toString('utf8');
}

/** readRegularFileSync without blocking the thread while reading. */
export async function readRegularFile(file: string, maxBytes = DEFAULT_MAX_BYTES): Promise<Buffer> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, OPEN_FLAGS);
  } catch (error) {
    throw ioError(file, error);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw notRegular(file, stat);
    if (stat.size > maxBytes) throw tooLarge(file, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.max(CHUNK, Math.min(stat.size - total + 1, maxBytes - total + 1)));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(file, maxBytes);
      chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead));
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } catch (error) {
    throw error instanceof FileReadError ? error : ioError(file, error);
  } finally {
    await handle.close();
  }
}

/** readTextFileSync without blocking the thread while reading. */
export async function readTextFile(file: string, maxBytes = DEFAULT_MAX_BYTES): Promise<string> {
  return (await readRegularFile(file, maxBytes)).toString('utf8');
}

/** The text, or undefined when the file cannot be read as a regular file within the bound. */
export function tryReadTextFileSync(file: string, maxBytes = DEFAULT_MAX_BYTES): string | undefined {
  try {
    return readTextFileSync(file, maxBytes);
  } catch {
    return undefined;
  }
}
