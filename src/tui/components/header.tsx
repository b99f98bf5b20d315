import { Box, Text } from 'ink';
import { truncate } from '../../util/format.js';
import { cellWidth } from '../../util/text-width.js';
import { useTheme } from '../theme.js';

/** The top line: where you are (breadcrumbs) on the left, what you are connected to on the right. */
export function Header({ crumbs, target, width }: { crumbs: string[]; target: string; width: number }) {
  const theme = useTheme();
  const right = truncate(target, Math.max(0, Math.floor(width / 2) - 2));
  const left = truncate(['crm-rescue', ...crumbs].join(' › '), Math.max(10, width - cellWidth(right) - 2));
  return (
    <Box width={width} justifyContent="space-between">
      <Text bold color={theme.fg('accent')} wrap="truncate">
        {left}
      </Text>
      <Text dimColor wrap="truncate">
        {right}
      </Text>
    </Box>
  );
}
