/** A problem with the host setup (missing tool, kernel image, build failure): CLI exit code 2. */
export class SetupError extends Error {
  constructor(
    message: string,
    /** Debian packages that would fix it, named in the message shown to the user. */
    readonly debianPackages: readonly string[] = [],
  ) {
    super(debianPackages.length
      ? `${message}\nInstall the Debian package(s): sudo apt-get install --no-install-recommends ${debianPackages.join(' ')}`
      : message);
    this.name = 'SetupError';
  }
}

/** Which Debian package provides each host tool the VM loop runs. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  make: 'make',
  xz: 'xz-utils',
  'apt-get': 'apt',
  'dpkg-deb': 'dpkg',
  tar: 'tar',
  objdump: 'binutils',
  addr2line: 'binutils',
};
