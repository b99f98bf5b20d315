import { Box, Text } from 'ink';
import { useState } from 'react';
import { cellWidth, padCells, wrapCells } from '../../util/text-width.js';
import { helpFor, type KeyContext } from '../keymap.js';
import { LayerPriority } from '../input/router.js';
import { useInputLayer } from '../input/use-input-layer.js';
import { scrollTop } from './scroll.js';
import { useTheme } from '../theme.js';

/** Props of the help overlay. */
export interface HelpOverlayProps {
  /** The contexts whose keys are listed: the screen, and `text` when it has a search field. */
  contexts: KeyContext[];
  /** The screen's title, for the heading. */
  title: string;
  width: number;
  height: number;
  onClose(): void;
}

/**
 * The keys of the current screen, grouped by category, generated from the keymap. Esc or `?`
 * closes it; arrows scroll when it is taller than the body.
 */
export function HelpOverlay(props: HelpOverlayProps) {
  const theme = useTheme();
  const lines = wrapHelp(helpLines(props.contexts), props.width);
  const room = Math.max(1, props.height - 2);
  const maxTop = Math.max(0, lines.length - room);
  const [top, setTop] = useState(0);
  useInputLayer({
    priority: LayerPriority.help,
    context: 'help',
    handle(command) {
      switch (command) {
        case 'back':
        case 'help':
          props.onClose();
          return true;
        case 'quit':
          return false;
        case 'up':
        case 'down':
        case 'pageUp':
        case 'pageDown':
        case 'first':
        case 'last':
          setTop((t) => scrollTop(t, command, room, maxTop + room) ?? t);
          return true;
        default:
          return true;
      }
    },
  });
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Text bold color={theme.fg('accent')} wrap="truncate">
        {`Keys · ${props.title}`}
      </Text>
      {lines.slice(top, top + room).map((l, i) => (
        <Text key={i} bold={l.bold} wrap="truncate">
          {l.text || ' '}
        </Text>
      ))}
      <Box flexGrow={1} />
      <Text dimColor wrap="truncate">
        {maxTop > 0 ? `Esc or ? closes · ↑↓ scroll (${top + 1}–${Math.min(lines.length, top + room)} of ${lines.length})` : 'Esc or ? closes'}
      </Text>
    </Box>
  );
}

type HelpLine = { kind: 'heading'; text: string } | { kind: 'key'; keys: string; text: string };

/**
 * The help's lines fitted to `width` cells: a description longer than the room wraps under
 * itself (the keys stay in their column), so every word is on screen at any width.
 */
export function wrapHelp(lines: HelpLine[], width: number): { text: string; bold: boolean }[] {
  const keyWidth = Math.max(0, ...lines.map((l) => (l.kind === 'key' ? cellWidth(l.keys) : 0))) + 2;
  const indent = 2 + keyWidth;
  return lines.flatMap((l): { text: string; bold: boolean }[] => {
    if (l.kind === 'heading') return wrapCells(l.text, width).map((text) => ({ text, bold: true }));
    const text = wrapCells(l.text, Math.max(10, width - indent));
    return text.map((t, i) => ({ text: `  ${padCells(i === 0 ? l.keys : '', keyWidth)}${t}`, bold: false }));
  });
}

/** The help's lines for some contexts: a heading per category, then its keys. */
export function helpLines(contexts: KeyContext[]): HelpLine[] {
  const out: HelpLine[] = [];
  let category = '';
  for (const e of contexts.flatMap((c) => helpFor(c))) {
    if (e.category !== category) {
      category = e.category;
      out.push({ kind: 'heading', text: category });
    }
    out.push({ kind: 'key', keys: e.keys, text: e.description });
  }
  return out;
}
