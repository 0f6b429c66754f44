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
 * What synchronous reads on this thread read into: most files fit, and a read then allocates only
 * its result. Kept up to SCRATCH_KEPT (a larger file gets a buffer of its own), so an idle thread
 * holds little. A read of 20,000 headers used to allocate two 64 KB buffers per file, and the
 * external memory alone set off full garbage collections.
 */
let scratch: Buffer | undefined;
const SCRATCH_KEPT = 1024 * 1024;
/** The least a read asks for: a file whose size says 0 (/proc) still has text. */
const MIN_CHUNK = 4096;

/**
 * Reads `fd` to its end into the scratch buffer or a larger one of its own, at most `maxBytes`:
 * the buffer and how much of it was read. The size is a hint (files grow; /proc files say 0).
 */
function readToEnd(fd: number, file: string, size: number, maxBytes: number): { buffer: Buffer; length: number } {
  const wanted = Math.max(MIN_CHUNK, Math.min(size, maxBytes) + 1);
  let buffer = scratch !== undefined && scratch.length >= wanted ? scratch : Buffer.allocUnsafeSlow(wanted);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      // Full: the file is larger than it said. One more byte than the bound tells that it is too large.
      const grown = Buffer.allocUnsafeSlow(Math.min(buffer.length * 2, maxBytes + 1));
      if (grown.length <= length) throw tooLarge(file, maxBytes);
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
    if (read === 0) break;
    length += read;
    if (length > maxBytes) throw tooLarge(file, maxBytes);
  }
  if (buffer.length <= SCRATCH_KEPT && buffer.length > (scratch?.length ?? 0)) scratch = buffer;
  return { buffer, length };
}

/**
 * Opens a regular file of at most `maxBytes` and reads it to its end (see readToEnd); throws
 * FileReadError otherwise. `opened` sees the file's status as it was before the read (what was
 * read is at least that new). `use` gets the bytes before the next read can overwrite them.
 */
function readRegularSync<T>(
  file: string,
  maxBytes: number,
  opened: ((stat: fs.Stats) => void) | undefined,
  use: (buffer: Buffer, length: number) => T,
): T {
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
    const { buffer, length } = readToEnd(fd, file, stat.size, maxBytes);
    return use(buffer, length);
  } catch (error) {
    throw error instanceof FileReadError ? error : ioError(file, error);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The bytes of a regular file of at most `maxBytes`; throws FileReadError otherwise. `opened`
 * sees the file's status as it was before the read (what was read is at least that new).
 */
export function readRegularFileSync(file: string, maxBytes = DEFAULT_MAX_BYTES, opened?: (stat: fs.Stats) => void): Buffer {
  // A copy out of the scratch buffer: the caller may keep it.
  return readRegularSync(file, maxBytes, opened, (buffer, length) =>
    buffer === scratch ? Buffer.from(buffer.subarray(0, length)) : buffer.subarray(0, length),
  );
}

/** A regular file's text (UTF-8) of at most `maxBytes`; throws FileReadError otherwise. */
export function readTextFileSync(file: string, maxBytes = DEFAULT_MAX_BYTES, opened?: (stat: fs.Stats) => void): string {
  return readRegularSync(file, maxBytes, opened, (buffer, length) => buffer.toString('utf8', 0, length));
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
    // The whole file and a byte (that read ends short; a small one then finds the end); a file
    // larger than it said is read in chunks as large as what was read so far.
    let next = Math.max(MIN_CHUNK, Math.min(stat.size, maxBytes) + 1);
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(next, maxBytes - total + 1));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(file, maxBytes);
      chunks.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead));
      next = bytesRead === chunk.length ? Math.max(MIN_CHUNK, total) : MIN_CHUNK;
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
