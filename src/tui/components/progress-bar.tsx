import { Box, Text } from 'ink';
import { pad } from '../../util/format.js';
import { useTheme } from '../theme.js';
import { progressParts, type ProgressEventLike } from './progress-text.js';

/** Props of a progress bar. */
export interface ProgressBarProps {
  event: ProgressEventLike;
  width: number;
  /** What done/total count. Default `tables`. */
  noun?: string;
}

/** Room the second line keeps right of the bar: ` 100%  1.2 GB  45 MB/s  ETA 4 min 05 s`. */
const TAIL = 38;

/**
 * Two lines: what is being done with the count on the right, then the bar with percentage,
 * bytes, rate and ETA. All text: it reads the same without colour.
 */
export function ProgressBar({ event, width, noun }: ProgressBarProps) {
  const theme = useTheme();
  const parts = progressParts(event, Math.max(5, width - TAIL), noun);
  const tail = [parts.bytes, parts.rate, parts.eta].filter(Boolean).join('  ');
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">{`${pad(parts.label, Math.max(1, width - parts.amount.length - 1))} ${parts.amount}`}</Text>
      <Text wrap="truncate">
        {parts.bar ? <Text color={theme.fg('accent')}>{parts.bar}</Text> : <Text dimColor>working…</Text>}
        {` ${pad(parts.percent, 4, 'right')}  ${tail}`}
      </Text>
    </Box>
  );
}
