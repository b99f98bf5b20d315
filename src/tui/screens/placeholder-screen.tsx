import { Box, Text } from 'ink';
import type { ComponentType } from 'react';
import { useTheme } from '../theme.js';
import type { PlainScreenId } from '../navigation.js';
import type { ScreenProps } from './screen.js';

/** What a screen that is not built yet will do, in the words the placeholder shows. */
export interface PlannedScreen {
  title: string;
  /** What it will show and do, one line each. */
  plans: string[];
}

/** A screen that says plainly that it does not exist yet and what it will be. */
export function placeholderScreen<I extends PlainScreenId>(planned: PlannedScreen): ComponentType<ScreenProps<I>> {
  return function PlaceholderScreen() {
    const theme = useTheme();
    return (
      <Box flexDirection="column" paddingX={1}>
        <Text bold color={theme.fg('warn')}>
          {`${theme.markers.warn} ${planned.title} is not built yet.`}
        </Text>
        <Text> </Text>
        <Text>This screen will:</Text>
        {planned.plans.map((p) => (
          <Text key={p} wrap="truncate">{`  · ${p}`}</Text>
        ))}
        <Text> </Text>
        <Text dimColor>Nothing here reads or changes the database. Esc goes back.</Text>
      </Box>
    );
  };
}
