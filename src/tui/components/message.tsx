import { Text } from 'ink';
import { truncate } from '../../util/format.js';
import { useTheme } from '../theme.js';

/** The kinds of inline message; each has its marker, so meaning never rests on colour. */
export type MessageKind = 'ok' | 'info' | 'warn' | 'error';

/** One line of inline message: marker, text, truncated to the width. */
export function Message({ kind, text, width }: { kind: MessageKind; text: string; width: number }) {
  const theme = useTheme();
  return (
    <Text wrap="truncate" color={theme.fg(kind)} bold={kind === 'error'}>
      {truncate(`${theme.markers[kind]} ${text}`, width)}
    </Text>
  );
}
