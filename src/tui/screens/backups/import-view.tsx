import { Text } from 'ink';
import { engineName } from '../../../dialect/engine-name.js';
import { formatBytes, truncate } from '../../../util/format.js';
import { TextInput } from '../../components/text-input.js';
import { WindowedList, type ListColumn } from '../../components/windowed-list.js';
import type { FoundDump } from '../../services.js';
import { compressionLabel, formatLabel, shortTime } from './external-labels.js';
import type { ImportState } from './use-import.js';

/**
 * The two lines of the import while it is open below a list: the path field and its choices (or
 * what Enter does), or what is running.
 */
export function ImportLines({ imp, width, active }: { imp: ImportState; width: number; active: boolean }) {
  if (imp.mode === 'working') {
    return (
      <>
        <Text wrap="truncate">{truncate(`working on ${imp.path}…`, width)}</Text>
        <Text dimColor wrap="truncate">
          Esc cancels: nothing stays imported
        </Text>
      </>
    );
  }
  if (imp.mode === 'found') {
    const f = imp.found.current;
    return (
      <>
        <Text wrap="truncate">{f ? truncate(foundDetail(f), width) : ' '}</Text>
        <Text dimColor wrap="truncate">
          Space: mark · Enter: import the marked (or this one) · Esc: cancel
        </Text>
      </>
    );
  }
  const c = imp.completion;
  return (
    <>
      <TextInput
        prompt="Import path:"
        value={imp.path}
        placeholder="/var/backups/crm.sql.gz"
        active={active}
        onChange={(v) => imp.setPath(v)}
        onSubmit={(v) => imp.submit(v)}
        onCancel={() => imp.cancel()}
        onComplete={(v) => imp.complete(v)}
        width={width}
      />
      <Text dimColor wrap="truncate">
        {c
          ? c.none
            ? 'no file or folder starts so'
            : truncate(`${c.candidates.join('  ')}${c.more ? `  (+${c.more} more)` : ''}`, width)
          : 'Tab completes · Enter: a file is imported, a folder searched for dumps · Esc cancels'}
      </Text>
    </>
  );
}

/** The dumps a scan found, newest first, Space to mark. */
export function FoundList({ imp, width, active }: { imp: ImportState; width: number; active: boolean }) {
  return <WindowedList list={imp.found} columns={foundColumns(imp.foundRoot)} width={width} active={active} noun="dumps found" />;
}

function foundColumns(root: string): ListColumn<FoundDump>[] {
  return [
    { header: root ? `IN ${root}` : 'PATH', width: 'flex', render: (f) => (root && f.path.startsWith(root) ? f.path.slice(root.length) : f.path) },
    { header: 'DATABASE', width: 14, render: (f) => f.database ?? '?' },
    { header: 'MODIFIED', width: 16, render: (f) => f.modifiedAt.replace('T', ' ').slice(0, 16) },
    { header: 'SIZE', width: 8, align: 'right', render: (f) => formatBytes(f.bytes) },
  ];
}

/** The dump under the cursor, in one line. */
export function foundDetail(f: FoundDump): string {
  return `${engineName(f.engine).short} ${formatLabel(f.format, f.wrapper)} · ${compressionLabel(f.compression)} · modified ${shortTime(f.modifiedAt)}`;
}
