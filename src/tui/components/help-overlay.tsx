import { Box, Text } from 'ink';
import { useState } from 'react';
import { pad } from '../../util/format.js';
import { cellWidth } from '../../util/text-width.js';
import { helpFor, type KeyContext } from '../keymap.js';
import { LayerPriority } from '../input/router.js';
import { useInputLayer } from '../input/use-input-layer.js';
import { useTheme } from '../theme.js';

/** Props of the help overlay. */
export interface HelpOverlayProps {
  /** The contexts whose keys are listed: the screen, and `text` when it has a filter field. */
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
  const lines = helpLines(props.contexts);
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
          setTop((t) => Math.max(0, t - 1));
          return true;
        case 'down':
          setTop((t) => Math.min(maxTop, t + 1));
          return true;
        case 'pageUp':
          setTop((t) => Math.max(0, t - room));
          return true;
        case 'pageDown':
          setTop((t) => Math.min(maxTop, t + room));
          return true;
        case 'first':
          setTop(0);
          return true;
        case 'last':
          setTop(maxTop);
          return true;
        default:
          return true;
      }
    },
  });
  const keyWidth = Math.max(...lines.map((l) => (l.kind === 'key' ? cellWidth(l.keys) : 0))) + 2;
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Text bold color={theme.fg('accent')} wrap="truncate">
        {`Keys · ${props.title}`}
      </Text>
      {lines.slice(top, top + room).map((l, i) =>
        l.kind === 'heading' ? (
          <Text key={i} bold wrap="truncate">
            {l.text}
          </Text>
        ) : (
          <Text key={i} wrap="truncate">
            {`  ${pad(l.keys, keyWidth)}${l.text}`}
          </Text>
        ),
      )}
      <Box flexGrow={1} />
      <Text dimColor wrap="truncate">
        {maxTop > 0 ? `Esc or ? closes · ↑↓ scroll (${top + 1}–${Math.min(lines.length, top + room)} of ${lines.length})` : 'Esc or ? closes'}
      </Text>
    </Box>
  );
}

type HelpLine = { kind: 'heading'; text: string } | { kind: 'key'; keys: string; text: string };

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
