import { createContext, createElement, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useStdout } from 'ink';

/** Width classes the screens adapt to. */
export type Breakpoint = 'narrow' | 'normal' | 'wide';

/** The frame every screen lays itself out in. */
export interface Layout {
  /** Terminal columns. */
  columns: number;
  /** Terminal rows. */
  rows: number;
  /** The root's height: rows − 1. A frame as tall as the terminal makes Ink 6 clear the screen on every render. */
  height: number;
  /** narrow < 80 ≤ normal < 120 ≤ wide. */
  breakpoint: Breakpoint;
  /** Rows left for a screen's body under the header and above the status line and footer. */
  bodyHeight: number;
  /** False when the terminal is smaller than the console can use. */
  fits: boolean;
}

/** Lines the frame itself takes: header, status line, footer. */
export const CHROME_LINES = 3;
/** The smallest terminal the console draws in; below it, it asks for more room. */
export const MIN_COLUMNS = 50;
export const MIN_ROWS = 12;

/** The layout for a terminal size. Pure, so it is tested without a terminal. */
export function layoutFor(columns: number, rows: number): Layout {
  const height = Math.max(1, rows - 1);
  return {
    columns,
    rows,
    height,
    breakpoint: columns < 80 ? 'narrow' : columns < 120 ? 'normal' : 'wide',
    bodyHeight: Math.max(1, height - CHROME_LINES),
    fits: columns >= MIN_COLUMNS && rows >= MIN_ROWS,
  };
}

const LayoutContext = createContext<Layout>(layoutFor(80, 24));

/** Reads the size of an output stream; ink-testing-library's has no rows, so 24 is assumed. */
function sizeOf(stdout: NodeJS.WriteStream): { columns: number; rows: number } {
  return { columns: stdout.columns || 80, rows: stdout.rows || 24 };
}

/**
 * Owns the terminal size: listens to `resize`, re-lays out, and (on a real terminal) clears the
 * screen first, because a narrower or shorter frame otherwise leaves ghost lines behind.
 */
export function LayoutProvider({ children, clearOnResize }: { children: ReactNode; clearOnResize?: boolean }): ReactNode {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  const current = useRef(size);
  useEffect(() => {
    const clear = clearOnResize ?? Boolean(stdout.isTTY);
    const onResize = () => {
      const next = sizeOf(stdout);
      const prev = current.current;
      if (prev.columns === next.columns && prev.rows === next.rows) return;
      current.current = next;
      if (clear) stdout.write('\x1b[2J\x1b[H');
      setSize(next);
    };
    stdout.on('resize', onResize);
    onResize();
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, clearOnResize]);
  return createElement(LayoutContext.Provider, { value: layoutFor(size.columns, size.rows) }, children);
}

/** The current layout: size, breakpoint and the body's height. */
export function useLayout(): Layout {
  return useContext(LayoutContext);
}
