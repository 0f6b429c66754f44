// The "newc" cpio format the kernel unpacks as initramfs (Documentation/driver-api/early-userspace/buffer-format.rst).
// Written here so that no root and no cpio binary are needed: device nodes are just header fields.

export type CpioEntry =
  | { type: 'dir'; name: string; mode?: number }
  | { type: 'file'; name: string; data: Buffer; mode?: number }
  | { type: 'symlink'; name: string; target: string }
  | { type: 'chardev'; name: string; major: number; minor: number; mode?: number };

const MAGIC = '070701';
const HEADER_SIZE = 110;
const TRAILER = 'TRAILER!!!';

const TYPE_BITS = { dir: 0o040000, file: 0o100000, symlink: 0o120000, chardev: 0o020000 } as const;
const DEFAULT_PERMISSIONS = { dir: 0o755, file: 0o644, symlink: 0o777, chardev: 0o600 } as const;

interface RawHeader {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  filesize: number;
  devmajor: number;
  devminor: number;
  rdevmajor: number;
  rdevminor: number;
  namesize: number;
  check: number;
}
const HEADER_FIELDS: readonly (keyof RawHeader)[] = [
  'ino',
  'mode',
  'uid',
  'gid',
  'nlink',
  'mtime',
  'filesize',
  'devmajor',
  'devminor',
  'rdevmajor',
  'rdevminor',
  'namesize',
  'check',
];

const padTo4 = (length: number) => (4 - (length % 4)) % 4;

function encodeRecord(header: Omit<RawHeader, 'namesize' | 'filesize' | 'check'>, name: string, data: Buffer): Buffer {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const full: RawHeader = { ...header, namesize: nameBytes.length, filesize: data.length, check: 0 };
  const headerText = MAGIC + HEADER_FIELDS.map((field) => full[field].toString(16).padStart(8, '0')).join('');
  return Buffer.concat([
    Buffer.from(headerText, 'ascii'),
    nameBytes,
    Buffer.alloc(padTo4(HEADER_SIZE + nameBytes.length)),
    data,
    Buffer.alloc(padTo4(data.length)),
  ]);
}

/** Serialises the entries (owned by root, mtime 0 so the archive is reproducible) plus the trailer. */
export function writeNewc(entries: readonly CpioEntry[]): Buffer {
  const records = entries.map((entry, index) => {
    if (entry.name.startsWith('/') || entry.name.includes('\0') || entry.name === '') {
      throw new Error(`cpio: bad entry name ${JSON.stringify(entry.name)}`);
    }
    const permissions = entry.type === 'symlink' ? DEFAULT_PERMISSIONS.symlink : (entry.mode ?? DEFAULT_PERMISSIONS[entry.type]);
    const data = entry.type === 'file' ? entry.data : entry.type === 'symlink' ? Buffer.from(entry.target, 'utf8') : Buffer.alloc(0);
    return encodeRecord(
      {
        ino: index + 1,
        mode: TYPE_BITS[entry.type] | permissions,
        uid: 0,
        gid: 0,
        nlink: entry.type === 'dir' ? 2 : 1,
        mtime: 0,
        devmajor: 0,
        devminor: 0,
        rdevmajor: entry.type === 'chardev' ? entry.major : 0,
        rdevminor: entry.type === 'chardev' ? entry.minor : 0,
      },
      entry.name,
      data,
    );
  });
  const trailer = encodeRecord(
    {
      ino: 0,
      mode: 0,
      uid: 0,
      gid: 0,
      nlink: 1,
      mtime: 0,
      devmajor: 0,
      devminor: 0,
      rdevmajor: 0,
      rdevminor: 0,
    },
    TRAILER,
    Buffer.alloc(0),
  );
  return Buffer.concat([...records, trailer]);
}

export interface ParsedCpioEntry {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  rdevmajor: number;
  rdevminor: number;
  data: Buffer;
}

/** Reads a newc archive back (used to verify what writeNewc produced). Throws on malformed input. */
export function readNewc(archive: Buffer): ParsedCpioEntry[] {
  const entries: ParsedCpioEntry[] = [];
  let offset = 0;
  for (;;) {
    if (offset + HEADER_SIZE > archive.length) throw new Error(`cpio: truncated header at ${offset}`);
    const magic = archive.toString('ascii', offset, offset + 6);
    if (magic !== MAGIC) throw new Error(`cpio: bad magic ${JSON.stringify(magic)} at ${offset}`);
    const header = {} as RawHeader;
    HEADER_FIELDS.forEach((field, i) => {
      const start = offset + 6 + i * 8;
      header[field] = parseInt(archive.toString('ascii', start, start + 8), 16);
    });
    const nameStart = offset + HEADER_SIZE;
    const name = archive.toString('utf8', nameStart, nameStart + header.namesize - 1);
    if (archive[nameStart + header.namesize - 1] !== 0) throw new Error(`cpio: name of ${name} not NUL-terminated`);
    const dataStart = nameStart + header.namesize + padTo4(HEADER_SIZE + header.namesize);
    const dataEnd = dataStart + header.filesize;
    if (dataEnd > archive.length) throw new Error(`cpio: truncated data of ${name}`);
    if (name === TRAILER) return entries;
    entries.push({
      name,
      mode: header.mode,
      uid: header.uid,
      gid: header.gid,
      rdevmajor: header.rdevmajor,
      rdevminor: header.rdevminor,
      data: archive.subarray(dataStart, dataEnd),
    });
    offset = dataEnd + padTo4(header.filesize);
  }
}
