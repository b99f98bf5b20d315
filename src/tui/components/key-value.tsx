import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { pad } from '../../util/format.js';
import { cellWidth } from '../../util/text-width.js';
import { useTheme, type Tone } from '../theme.js';

/** One row of a key/value panel. */
export interface KeyValueEntry {
  key: string;
  value: ReactNode;
  /** A warning or error tone adds its marker before the value, and a colour when allowed. */
  tone?: Tone;
}

/** Props of a key/value panel. */
export interface KeyValueProps {
  entries: KeyValueEntry[];
  width: number;
  /** Width of the key column; default the longest key + 2. */
  keyWidth?: number;
}

/** Aligned `Key   value` rows, one line each (values are truncated, never wrapped). */
export function KeyValue({ entries, width, keyWidth }: KeyValueProps) {
  const theme = useTheme();
  const kw = keyWidth ?? Math.max(...entries.map((e) => cellWidth(e.key)), 0) + 2;
  return (
    <Box flexDirection="column" width={width}>
      {entries.map((e, i) => {
        const marker =
          e.tone === 'warn' ? `${theme.markers.warn} ` : e.tone === 'error' ? `${theme.markers.error} ` : e.tone === 'ok' ? `${theme.markers.ok} ` : '';
        return (
          <Box key={i} width={width}>
            <Box width={kw} flexShrink={0}>
              <Text bold>{pad(e.key, kw)}</Text>
            </Box>
            <Box flexGrow={1}>
              <Text wrap="truncate" color={e.tone ? theme.fg(e.tone) : undefined} dimColor={e.tone === 'muted'}>
                {marker}
                {e.value}
              </Text>
            </Box>
          </Box>
        );
      })}
    </Box>
  );
}
