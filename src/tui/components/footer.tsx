import { Text } from 'ink';
import { Fragment } from 'react';
import { FOOTER_SEPARATOR, footerFor, type Command, type KeyContext } from '../keymap.js';

/**
 * The key hints of the current screen, generated from the keymap and fitted to the width,
 * without the keys that do nothing in the screen's present state (`idle`).
 */
export function Footer({ context, width, idle = [] }: { context: KeyContext; width: number; idle?: readonly Command[] }) {
  const items = footerFor(context, width - 1, idle);
  return (
    <Text wrap="truncate">
      {items.map((it, i) => (
        <Fragment key={it.keys}>
          {i > 0 ? FOOTER_SEPARATOR : ''}
          <Text bold>{it.keys}</Text>
          {` ${it.text}`}
        </Fragment>
      ))}
    </Text>
  );
}
