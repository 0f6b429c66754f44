/** A problem with the host setup (missing tool, kernel image, build failure): CLI exit code 2. */
export class SetupError extends Error {
  constructor(
    message: string,
    /** Debian packages that would fix it, named in the message shown to the user. */
    readonly debianPackages: readonly string[] = [],
  ) {
    super(
      debianPackages.length
        ? `${message}\nInstall the Debian package(s): sudo apt-get install --no-install-recommends ${debianPackages.join(' ')}`
        : message,
    );
    this.name = 'SetupError';
  }
}
