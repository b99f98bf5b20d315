/** Where the cursor and the visible window of a list are. */
export interface ListWindow {
  /** Rows in the (filtered) list. */
  count: number;
  /** Index of the row under the cursor. */
  cursor: number;
  /** Index of the first visible row. */
  offset: number;
  /** Visible rows. */
  height: number;
}

/** A cursor movement. */
export type ListMove = 'up' | 'down' | 'pageUp' | 'pageDown' | 'first' | 'last';

/** Keeps the cursor inside the list and the window around the cursor. */
export function fitWindow(w: ListWindow): ListWindow {
  const height = Math.max(1, w.height);
  const count = Math.max(0, w.count);
  const cursor = count === 0 ? 0 : Math.min(Math.max(0, w.cursor), count - 1);
  let offset = Math.min(Math.max(0, w.offset), Math.max(0, count - height));
  if (cursor < offset) offset = cursor;
  if (cursor >= offset + height) offset = cursor - height + 1;
  return { count, cursor, offset, height };
}

/** Moves the cursor; the window follows. PgUp/PgDn move the window and the cursor together. */
export function moveCursor(w: ListWindow, move: ListMove): ListWindow {
  const page = Math.max(1, w.height - 1);
  switch (move) {
    case 'up':
      return fitWindow({ ...w, cursor: w.cursor - 1 });
    case 'down':
      return fitWindow({ ...w, cursor: w.cursor + 1 });
    case 'pageUp':
      return fitWindow({ ...w, cursor: w.cursor - page, offset: w.offset - page });
    case 'pageDown':
      return fitWindow({ ...w, cursor: w.cursor + page, offset: w.offset + page });
    case 'first':
      return fitWindow({ ...w, cursor: 0, offset: 0 });
    case 'last':
      return fitWindow({ ...w, cursor: w.count - 1, offset: w.count });
  }
}
