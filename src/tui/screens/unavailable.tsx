import { Box, Text } from 'ink';
import { useTheme } from '../theme.js';

/** What a screen shows when the console was started without the service it needs. */
export function Unavailable({ what }: { what: string }) {
  const theme = useTheme();
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text color={theme.fg('warn')}>{`${theme.markers.warn} ${what} is not available in this console.`}</Text>
      <Text dimColor>Nothing here reads or changes the database. Esc goes back.</Text>
    </Box>
  );
}
