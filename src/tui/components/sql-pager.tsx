import { Box, Text } from 'ink';
import { useEffect } from 'react';
import { truncate } from '../../util/format.js';
import { useKeyLayer } from '../footer-hints.js';
import { LayerPriority } from '../input/router.js';
import { useInputLayer } from '../input/use-input-layer.js';
import type { FileServices } from '../services.js';
import { useStatus } from '../status.js';
import { useTheme } from '../theme.js';
import { TextInput } from './text-input.js';
import { useSqlPager, type PagerDocument } from './use-sql-pager.js';

/** Props of the SQL pager. */
export interface SqlPagerProps {
  doc: PagerDocument;
  /** What `w` writes: the document as text. */
  text: string;
  title: string;
  width: number;
  /** Lines the pager takes, its title and bottom lines included. */
  height: number;
  /** The screen has the keyboard (no overlay above it). */
  active: boolean;
  files?: FileServices;
  defaultPath: string;
  /** Opened by `w`: the path field is open from the start. */
  saving?: boolean;
  onClose: () => void;
}

/**
 * The plan's SQL, whole: every statement under its table's heading, wrapped to the width (or cut
 * and scrolled sideways), scrolled by line, page or statement; `w` writes it to a file.
 */
export function SqlPager(props: SqlPagerProps) {
  const theme = useTheme();
  const status = useStatus();
  const room = Math.max(1, props.height - 3);
  const pager = useSqlPager({
    doc: props.doc,
    text: props.text,
    width: props.width,
    height: room,
    files: props.files,
    defaultPath: props.defaultPath,
    onClose: props.onClose,
    report: (kind, text) => status.show(kind, text),
  });
  useInputLayer({ priority: LayerPriority.pager, context: 'pager', active: props.active, handle: pager.handle });
  useKeyLayer('pager', true);
  const { openSave } = pager;
  useEffect(() => {
    if (props.saving) openSave();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when opened by w
  }, []);
  const last = Math.min(pager.total, pager.top + room);
  const where = `lines ${pager.total ? pager.top + 1 : 0}–${last} of ${pager.total} · statement ${pager.statement} of ${pager.statements}${pager.wrap ? '' : ` · not wrapped, from column ${pager.left + 1}`}`;
  const s = pager.save;
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Text bold color={theme.fg('accent')} wrap="truncate">
        {truncate(props.title, props.width)}
      </Text>
      <Box flexDirection="column" height={room}>
        {pager.rows.map((r, i) => (
          <Text key={i} wrap="truncate" dimColor={r.startsWith('--')}>
            {r === '' ? ' ' : r}
          </Text>
        ))}
      </Box>
      {s ? (
        <>
          <TextInput
            prompt="Write the SQL to:"
            value={s.path}
            active={props.active && !s.writing}
            onChange={pager.setPath}
            onSubmit={pager.submit}
            onCancel={pager.cancelSave}
            onComplete={pager.complete}
            width={props.width}
          />
          <Text dimColor wrap="truncate">
            {s.writing
              ? 'writing…'
              : s.completion
                ? s.completion.none
                  ? 'no file or folder starts so'
                  : truncate(`${s.completion.candidates.join('  ')}${s.completion.more ? `  (+${s.completion.more} more)` : ''}`, props.width)
                : 'Enter writes (mode 0600, over a file already there) · Tab completes · Esc cancels'}
          </Text>
        </>
      ) : (
        <>
          <Text dimColor wrap="truncate">
            {where}
          </Text>
          <Text dimColor wrap="truncate">
            {`]/[: statement · t: ${pager.wrap ? 'no wrap, ←→ scroll' : 'wrap'} · w: write to a file · Esc: close`}
          </Text>
        </>
      )}
    </Box>
  );
}
