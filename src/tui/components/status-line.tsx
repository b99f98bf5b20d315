import { Text } from 'ink';
import { truncate } from '../../util/format.js';
import type { StatusMessage } from '../status.js';
import { useTheme } from '../theme.js';

/** One line: the latest message with its kind's marker, else the running work, else blank. */
export function StatusLine({ message, busy, width }: { message: StatusMessage | null; busy: readonly string[]; width: number }) {
  const theme = useTheme();
  if (message) {
    const marker = theme.markers[message.kind];
    return (
      <Text wrap="truncate" color={theme.fg(message.kind)} bold={message.kind === 'error'}>
        {truncate(`${marker} ${message.text}`, width)}
      </Text>
    );
  }
  if (busy.length) {
    return (
      <Text wrap="truncate" color={theme.fg('info')}>
        {truncate(`${theme.markers.info} running: ${busy.join(', ')}`, width)}
      </Text>
    );
  }
  return <Text> </Text>;
}
