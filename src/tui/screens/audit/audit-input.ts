import type { Command } from '../../keymap.js';

/** The lower pane of the Audit screen that has the list keys. */
export type AuditPane = 'incidents' | 'events';

/** What a command does on the Audit screen. */
export type AuditIntent =
  | { type: 'bucket'; delta: number }
  | { type: 'anchor' }
  | { type: 'zoom' }
  | { type: 'pane' }
  | { type: 'selectRange' }
  | { type: 'clearRange' }
  | { type: 'focusIncident' }
  | { type: 'recover' }
  | { type: 'openEvent' }
  | { type: 'list' };

/**
 * The Audit screen's input, without a terminal. ←→, space and z work on the timeline whatever
 * the pane; Enter narrows the events to the timeline's selection (Incidents: to the incident,
 * Events: opens the row). Esc first widens a narrowed range, then goes back.
 */
export function auditIntent(command: Command | undefined, pane: AuditPane, state: { narrowed: boolean; anchored: boolean }): AuditIntent {
  switch (command) {
    case 'left':
      return { type: 'bucket', delta: -1 };
    case 'right':
      return { type: 'bucket', delta: 1 };
    case 'toggle':
      return { type: 'anchor' };
    case 'zoom':
      return { type: 'zoom' };
    case 'nextPane':
      return { type: 'pane' };
    case 'open':
      if (state.anchored) return { type: 'selectRange' };
      return pane === 'incidents' ? { type: 'focusIncident' } : { type: 'openEvent' };
    case 'recover':
      return pane === 'incidents' ? { type: 'recover' } : { type: 'list' };
    case 'back':
      return state.anchored || state.narrowed ? { type: 'clearRange' } : { type: 'list' };
    default:
      return { type: 'list' };
  }
}

/** The commands that do nothing in `pane` (the footer leaves them out): r recovers an incident only. */
export function auditIdleKeys(pane: AuditPane): Command[] {
  return pane === 'incidents' ? [] : ['recover'];
}
