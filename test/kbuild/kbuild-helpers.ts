// Real kbuild for the ground-truth tier: the pinned kernels of test/support/kernels.ts.

import * as path from 'node:path';
import { buildWith, testKernel, type BuildResult } from '../support/kernels';

export { copyForBuild, buildWith, testKernel, KERNEL_SERIES, type KernelSeries, type TestKernel } from '../support/kernels';

export const REPO = path.resolve(__dirname, '../../..');

/** Debian bookworm's 6.1 headers, the kernel the scaffold tests assume. */
export function findKernelHeaders(): string {
  return testKernel('6.1').kdir;
}

/** `make -C <kdir> M=<dir> modules` against a headers dir of this machine. */
export function buildModule(kdir: string, dir: string): Promise<BuildResult> {
  return buildWith({ series: '6.1', kdir }, dir);
}
