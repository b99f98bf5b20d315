import { createContext, useContext } from 'react';

/** The tones text can have. Each has a marker too, so meaning never rests on colour alone. */
export type Tone = 'normal' | 'accent' | 'muted' | 'ok' | 'info' | 'warn' | 'error';

/** How the console draws: colours (or none) and the markers that carry meaning without colour. */
export interface Theme {
  /** False under NO_COLOR: components pass no colour at all to Ink. */
  color: boolean;
  /** The Ink colour for a tone, or undefined (no colour). */
  fg(tone: Tone): string | undefined;
  /** Characters that carry meaning in text: the cursor row, selections, message kinds. */
  markers: {
    cursor: string;
    selected: string;
    unselected: string;
    ok: string;
    info: string;
    warn: string;
    error: string;
  };
}

const COLORS: Record<Tone, string | undefined> = {
  normal: undefined,
  accent: 'cyan',
  muted: 'gray',
  ok: 'green',
  info: 'blue',
  warn: 'yellow',
  error: 'red',
};

const MARKERS: Theme['markers'] = { cursor: '▸', selected: '[x]', unselected: '[ ]', ok: '✓', info: '·', warn: '!', error: '✗' };

/** NO_COLOR (https://no-color.org): present and not empty means no colour. */
export function noColorRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '';
}

/** A theme with or without colours. */
export function createTheme(color: boolean): Theme {
  return { color, fg: (tone) => (color ? COLORS[tone] : undefined), markers: MARKERS };
}

/** The theme for the environment: no colours under NO_COLOR. */
export function themeFromEnv(env: NodeJS.ProcessEnv = process.env): Theme {
  return createTheme(!noColorRequested(env));
}

/** The current theme. Defaults to colours on; the console's root provides the real one. */
export const ThemeContext = createContext<Theme>(createTheme(true));

/** The current theme. */
export function useTheme(): Theme {
  return useContext(ThemeContext);
}
