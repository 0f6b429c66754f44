// Which step of the run a guest marker starts, in words for a progress display. The markers
// themselves are the guest's protocol with summary.ts and are never shown.

import type { VmStage } from '../../../shared/src/vm-events';
import { MARKER } from './guest-init';
import type { Marker } from './summary';

export function stageOfMarker(
  marker: Marker,
  run: { moduleName: string; settleSeconds: number },
): { stage: VmStage; message: string } | undefined {
  switch (marker.name) {
    case 'init-start':
      return { stage: 'init', message: `kernel ${marker.values.kernel ?? ''} booted, /init running`.replace('  ', ' ') };
    case 'insmod':
      return { stage: 'insmod', message: `insmod ${run.moduleName}` };
    case 'settle':
      return { stage: 'settle', message: `waiting ${run.settleSeconds} s before rmmod` };
    case 'end':
      return { stage: 'shutdown', message: 'shutting the guest down' };
    default:
      return /^rmmod-\d+$/.test(marker.name) ? { stage: 'rmmod', message: `rmmod ${run.moduleName}` } : undefined;
  }
}

/**
 * A console line without its marker: the text the serial console put before it (a kernel line the
 * marker interrupted), or undefined when nothing else is on the line.
 */
export function withoutMarker(text: string): string | undefined {
  const at = text.indexOf(`${MARKER} `);
  if (at < 0) return text;
  const before = text.slice(0, at);
  return before.trim() ? before : undefined;
}
