import { Box, Text } from 'ink';
import { useState } from 'react';
import type { Command } from '../keymap.js';
import { scrollPosition, scrollTop } from './scroll.js';

/** One line of a scrolled text, already fitted to the width (see `wrapCells`). */
export interface ScrolledLine {
  text: string;
  bold?: boolean;
  dim?: boolean;
}

/** A scrolled text's position and what its keys do. */
export interface ScrollState {
  top: number;
  /** Moves on a scroll command (↑↓ jk, PgUp/PgDn, g/G); false for any other. */
  handle(command: Command | undefined): boolean;
}

/** The scroll position of `total` lines shown `room` at a time. */
export function useScroll(room: number, total: number): ScrollState {
  const [top, setTop] = useState(0);
  const shown = Math.min(top, Math.max(0, total - room));
  return {
    top: shown,
    handle(command) {
      const next = scrollTop(shown, command, room, total);
      if (next === undefined) return false;
      setTop(next);
      return true;
    },
  };
}

/**
 * `room` lines of a longer text from `top`, then a position line (`lines 5–22 of 40 · ↑↓ PgUp
 * PgDn scroll`) when it does not fit: exactly `room + 1` lines.
 */
export function ScrolledLines({ lines, top, room, width }: { lines: ScrolledLine[]; top: number; room: number; width: number }) {
  const visible = lines.slice(top, top + room);
  const position = scrollPosition(top, room, lines.length);
  return (
    <Box flexDirection="column" width={width}>
      {visible.map((l, i) => (
        <Text key={i} bold={l.bold} dimColor={l.dim} wrap="truncate">
          {l.text === '' ? ' ' : l.text}
        </Text>
      ))}
      {Array.from({ length: room - visible.length }, (_, i) => (
        <Text key={`blank${i}`}> </Text>
      ))}
      <Text dimColor wrap="truncate">
        {position ? `${position} · ↑↓ PgUp PgDn scroll` : ' '}
      </Text>
    </Box>
  );
}
