import { Text } from 'ink';
import { Fragment } from 'react';
import { FOOTER_SEPARATOR, footerFor, type KeyContext } from '../keymap.js';

/** The key hints of the current screen, generated from the keymap and fitted to the width. */
export function Footer({ context, width }: { context: KeyContext; width: number }) {
  const items = footerFor(context, width - 1);
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
