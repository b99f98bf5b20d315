import type { Command } from '../keymap.js';

/**
 * Where a scrolled text starts after a move: ↑↓ (j/k) one line, PgUp/PgDn a page, g/G the ends.
 * Undefined when `command` does not scroll. `room`: the visible lines; `total`: all lines.
 */
export function scrollTop(top: number, command: Command | undefined, room: number, total: number): number | undefined {
  const maxTop = Math.max(0, total - room);
  const page = Math.max(1, room - 1);
  const clamp = (t: number) => Math.min(maxTop, Math.max(0, t));
  switch (command) {
    case 'up':
      return clamp(top - 1);
    case 'down':
      return clamp(top + 1);
    case 'pageUp':
      return clamp(top - page);
    case 'pageDown':
      return clamp(top + page);
    case 'first':
      return 0;
    case 'last':
      return maxTop;
    default:
      return undefined;
  }
}

/** The scroll position as the last line says it: `lines 5–22 of 40`, or '' when everything fits. */
export function scrollPosition(top: number, room: number, total: number): string {
  return total > room ? `lines ${top + 1}–${Math.min(total, top + room)} of ${total}` : '';
}
