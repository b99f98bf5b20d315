import { Text } from 'ink';
import { Fragment } from 'react';
import { useTheme } from '../theme.js';

/** One tab: its id and what it shows. */
export interface TabItem<Id extends string> {
  id: Id;
  label: string;
}

/** A row of tabs on one line; the current one carries the cursor marker (and is inverse when active). */
export function Tabs<Id extends string>({ items, current, active = true, hint }: { items: TabItem<Id>[]; current: Id; active?: boolean; hint?: string }) {
  const theme = useTheme();
  return (
    <Text wrap="truncate">
      {items.map((it, i) => {
        const here = it.id === current;
        return (
          <Fragment key={it.id}>
            {i > 0 ? ' ' : ''}
            <Text bold={here} inverse={here && active} color={here ? theme.fg('accent') : undefined}>
              {here ? `${theme.markers.cursor} ${it.label} ` : `  ${it.label} `}
            </Text>
          </Fragment>
        );
      })}
      {hint ? <Text dimColor>{` ${hint}`}</Text> : null}
    </Text>
  );
}
