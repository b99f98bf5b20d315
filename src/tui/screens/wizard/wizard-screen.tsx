import { Box, Text } from 'ink';
import { Fragment, useState, type ReactNode } from 'react';
import { formatAge, formatCount, pad } from '../../../util/format.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { Message } from '../../components/message.js';
import { ProgressBar } from '../../components/progress-bar.js';
import { SqlPager } from '../../components/sql-pager.js';
import { TextInput } from '../../components/text-input.js';
import { LIST_CHROME_LINES, WindowedList, type ListColumn } from '../../components/windowed-list.js';
import { useIdleKeys } from '../../footer-hints.js';
import { useNavigation } from '../../navigation.js';
import { useServices } from '../../services-context.js';
import { useTheme } from '../../theme.js';
import { useLayout } from '../../use-layout.js';
import { INCIDENT_COLUMNS } from '../audit/audit-columns.js';
import { useScreen, useScreenInput, type ScreenProps } from '../screen.js';
import { backupName } from '../backups/external-labels.js';
import { FoundList, ImportLines } from '../backups/import-view.js';
import { useImport, type ImportState } from '../backups/use-import.js';
import { wizardIdleKeys, wizardIntent } from './wizard-input.js';
import { isNoBackupRef, plainLine, STEP_BAR, stepNumber, takenAt, targetedLine, type BackupChoice } from './wizard-model.js';
import { useWizard, type ClassRow, type LossChoice, type Wizard } from './use-wizard.js';
import type { TaskState } from '../../use-task.js';
import { applyLines, applyTitle, planHeader, planSql, sqlPath } from '../merge/plan-lines.js';
import { lineColumns } from '../merge/merge-screen.js';

/** Lines besides a step's content: step bar, the plain line (two), status (two), hint. */
const CHROME = 6;

const LOSS_COLUMNS: ListColumn<LossChoice>[] = INCIDENT_COLUMNS.map((c) => ({
  ...c,
  render: (choice: LossChoice) =>
    choice.kind === 'incident'
      ? c.render(choice.incident)
      : c.header === 'START'
        ? 'Describe'
        : c.header === 'TABLES'
          ? 'the loss yourself: a table and a time range'
          : '',
}));

const CLASS_COLUMNS: ListColumn<ClassRow>[] = [
  { header: 'TABLE', width: 'flex', render: (r) => r.table.display },
  { header: 'SINCE BACKUP', width: 14, render: (r) => r.cls },
  { header: 'ROWS', width: 10, align: 'right', render: (r) => formatCount(r.count) },
  {
    header: 'ON MERGE',
    width: 26,
    render: (r) =>
      r.cls === 'deleted'
        ? 'insert them back'
        : r.cls === 'soft-deleted'
          ? 'clear the deleted mark'
          : r.cls === 'changed'
            ? "put the backup's values"
            : 'never delete them',
  },
];

/**
 * The recovery wizard: loss → backup → stage → diff → rows → plan → apply → verify, one step at
 * a time, each saying what Enter will do and what it will not. Esc goes back a step (or cancels
 * work that can be cancelled); leaving keeps the wizard's memory, and opening it resumes.
 */
export function WizardScreen({ params }: ScreenProps<'wizard'>) {
  const services = useServices();
  const layout = useLayout();
  const nav = useNavigation();
  const screen = useScreen();
  const height = Math.max(1, layout.bodyHeight - CHROME - LIST_CHROME_LINES);
  const w = useWizard(services, params, height, layout.columns - 8, () => nav.pop());
  const step = w.memory.step;
  // The SQL pager over the plan; opened by w, its path field is open from the start.
  const [pager, setPager] = useState<{ saving: boolean } | null>(null);
  // The backup step's import: a dump taken before the loss, imported on the spot, is proposed.
  const imp = useImport(services.backups, height, {
    imported: (imported) => {
      if (imported.length) w.reloadBackupsAt(imported[0].item.id);
    },
    report: (m) => (m ? w.say(m.kind, m.text) : w.hush()),
  });
  // The footer shows the keys of this step only; an open import has its own (its hint line says them).
  useIdleKeys(imp.mode === 'closed' ? wizardIdleKeys(step, w.work) : ['left', 'nextPane', 'details', 'sql', 'write', 'policy', 'import']);
  useScreenInput((command) => {
    if (w.confirming) return false;
    if (imp.handle(command)) return true;
    const intent = wizardIntent(command, step, w.work);
    switch (intent.type) {
      case 'next':
        w.next();
        return true;
      case 'previous':
        if (!w.previous()) w.say('info', 'this is the first step: Esc leaves the wizard (it remembers where it was)');
        return true;
      case 'leave':
        return false;
      case 'cancel':
        w.cancel();
        return true;
      case 'busy':
        w.say('info', w.work.cancellable ? 'working: Esc cancels' : 'applying: it cannot be cancelled once committed; wait for it to end');
        return true;
      case 'toggle':
        w.toggleRow();
        return true;
      case 'details':
        if (w.memory.set) nav.push('diff', { set: w.memory.set });
        else w.say('info', 'no diff yet: Enter at the diff step reads it');
        return true;
      case 'sql':
      case 'write':
        if (w.planTask.result) setPager({ saving: intent.type === 'write' });
        else w.say('info', 'no plan yet');
        return true;
      case 'policy':
        w.cyclePolicy();
        return true;
      case 'field':
        w.nextField();
        return true;
      case 'import':
        imp.open();
        return true;
      case 'list': {
        const list = listOf(w);
        return list ? list.handle(command) : false;
      }
    }
  });
  const width = layout.columns;
  return (
    <Box flexDirection="column" width={width}>
      <StepBar current={stepNumber(step)} />
      <Box height={2}>
        <Text wrap="wrap">{plainLine(w.memory, w.affected, stepWork(w))}</Text>
      </Box>
      {imp.mode === 'closed' ? (
        <Status w={w} width={width} />
      ) : imp.task.state === 'running' && imp.task.progress ? (
        <ProgressBar event={imp.task.progress} width={width} noun="files" />
      ) : (
        <ImportLines imp={imp} width={width} active={screen.active} />
      )}
      {w.confirming && w.planTask.result ? (
        <ApplyDialog w={w} width={Math.min(width, 76)} height={height + LIST_CHROME_LINES} database={services.merge?.database() ?? ''} />
      ) : imp.mode === 'found' ? (
        <FoundList imp={imp} width={width} active={screen.active} />
      ) : pager && step === 'plan' && w.planTask.result ? (
        <SqlPager
          {...planSql(w.planTask.result)}
          title={`SQL of the plan for ${w.planTask.result.database}: the text merge --sql prints`}
          width={width}
          height={height + LIST_CHROME_LINES}
          active={screen.active}
          files={services.files}
          defaultPath={services.files ? sqlPath(w.planTask.result, services.files.folder()) : ''}
          saving={pager.saving}
          onClose={() => setPager(null)}
        />
      ) : (
        <Content w={w} width={width} height={height} active={screen.active} />
      )}
      <Text dimColor wrap="truncate">
        {imp.mode === 'closed' ? hint(w) : importHint(imp)}
      </Text>
    </Box>
  );
}

function StepBar({ current }: { current: number }) {
  const theme = useTheme();
  return (
    <Text wrap="truncate">
      <Text bold>{`Step ${current}/${STEP_BAR.length} `}</Text>
      {STEP_BAR.map((s, i) => (
        <Fragment key={s.step}>
          {i > 0 ? <Text dimColor>{' › '}</Text> : null}
          <Text bold={i + 1 === current} inverse={i + 1 === current} color={i + 1 === current ? theme.fg('accent') : undefined} dimColor={i + 1 > current}>
            {i + 1 < current ? `${theme.markers.ok}${s.label}` : s.label}
          </Text>
        </Fragment>
      ))}
    </Text>
  );
}

/** Where the current step's own work is (a step without work counts as done). */
function stepWork(w: Wizard): TaskState {
  switch (w.memory.step) {
    case 'stage':
      return w.stageTask.state;
    case 'diff':
      return w.diffTask.state;
    case 'plan':
      return w.planTask.state;
    case 'apply':
      return w.applyTask.state;
    default:
      return 'done';
  }
}

function Status({ w, width }: { w: Wizard; width: number }) {
  const running = [w.stageTask, w.diffTask, w.planTask, w.applyTask].find((t) => t.state === 'running');
  if (running?.progress) return <ProgressBar event={running.progress} width={width} />;
  const m = w.memory;
  let line: { kind: 'ok' | 'info' | 'warn' | 'error'; text: string } | null = w.message;
  // Until the apply has ended (its task, then the recount): it commits as one transaction.
  if (!line && m.step === 'apply')
    line =
      w.applyTask.state === 'done'
        ? { kind: 'info', text: 'applied: counting the differences with the backup again…' }
        : { kind: 'info', text: 'applying… one transaction: every table commits together, or none does' };
  if (!line && running) line = { kind: 'info', text: 'working… (Esc cancels: always safe)' };
  // On a source that needs no backup: all it can give for this loss (the row is truncated).
  const onSource = m.step === 'backup' ? w.backupList.current : null;
  if (!line && onSource?.kind === 'source' && onSource.source.ref !== w.proposedId)
    line = {
      kind: onSource.source.available ? 'info' : 'warn',
      text: `${onSource.source.name}: ${onSource.source.available ? onSource.source.summary : (onSource.source.reason ?? onSource.source.summary)}`,
    };
  if (!line && m.step === 'backup') {
    line = w.proposal
      ? { kind: w.proposal.safe ? 'ok' : 'warn', text: w.proposal.safe ? `Proposed: ${w.proposal.note}` : w.proposal.note }
      : w.backups.status === 'ready'
        ? { kind: 'warn', text: 'no backup was taken before the loss: rows deleted before the oldest backup cannot come back' }
        : null;
  }
  const facts = [m.loss ? `Loss: ${m.loss.label}` : '', m.backupId ? `Backup: ${m.backupId}` : ''].filter(Boolean);
  return (
    <>
      {line ? <Message kind={line.kind} text={line.text} width={width} /> : <Text wrap="truncate">{facts[0] ?? ' '}</Text>}
      <Text dimColor wrap="truncate">
        {line ? (facts[0] ?? ' ') : (facts[1] ?? ' ')}
      </Text>
    </>
  );
}

function Content({ w, width, height, active }: { w: Wizard; width: number; height: number; active: boolean }) {
  const m = w.memory;
  const box = (children: ReactNode) => (
    <Box flexDirection="column" height={height + LIST_CHROME_LINES}>
      {children}
    </Box>
  );
  switch (m.step) {
    case 'incident':
      return (
        <WindowedList
          list={w.lossList}
          columns={LOSS_COLUMNS}
          width={width}
          active={active}
          noun="choices"
          emptyText={w.incidents?.status === 'loading' ? 'reading the audit…' : ''}
        />
      );
    case 'describe':
      return box(<LossFormView w={w} width={width} active={active} />);
    case 'backup':
      return (
        <WindowedList
          list={w.backupList}
          columns={backupColumns(w.proposedId)}
          width={width}
          active={active}
          noun="backups"
          emptyText={w.backups.status === 'loading' ? 'reading the catalog…' : 'no usable backup of this target: take one in Backups'}
        />
      );
    case 'stage':
      return box(<StageView w={w} width={width} />);
    case 'diff':
      return box(<DiffCounts w={w} />);
    case 'select':
      return (
        <WindowedList
          list={w.classList}
          columns={CLASS_COLUMNS}
          width={width}
          active={active}
          noun="classes"
          emptyText="no differences: the backup and live agree on these tables"
        />
      );
    case 'plan':
    case 'verify':
      return (
        <WindowedList
          list={w.lines}
          columns={lineColumns(planHeader(width - 8))}
          width={width}
          active={active}
          noun="lines"
          emptyText={w.planTask.state === 'running' ? 'planning (a dry run)…' : ''}
        />
      );
    case 'apply':
      return box(<Text>Applying the plan…</Text>);
  }
}

/** The backups, then the sources that need no backup, each with what it can give for this loss. */
function backupColumns(proposed: string | null): ListColumn<BackupChoice>[] {
  return [
    {
      header: 'BACKUP',
      width: 'flex',
      render: (c) =>
        c.kind === 'backup'
          ? backupName(c.backup)
          : `${c.source.name} (no backup needed): ${c.source.available ? c.source.summary : (c.source.reason ?? c.source.summary)}`,
    },
    {
      header: 'TAKEN',
      width: 16,
      render: (c) => (c.kind === 'backup' ? takenAt(c.backup).replace('T', ' ').slice(0, 16) : c.source.available ? 'the loss window' : 'not available'),
    },
    { header: 'AGE', width: 6, align: 'right', render: (c) => (c.kind === 'backup' ? formatAge(takenAt(c.backup)) : '') },
    { header: '', width: 10, render: (c) => ((c.kind === 'backup' ? c.backup.id : c.source.ref) === proposed ? '◂ proposed' : '') },
  ];
}

function LossFormView({ w, width, active }: { w: Wizard; width: number; active: boolean }) {
  const label = { table: 'Table', since: 'From', until: 'To' } as const;
  const placeholder = { table: 'contacts', since: '1d (a day ago), 2026-11-21T05:00', until: 'now' } as const;
  return (
    <>
      {(['table', 'since', 'until'] as const).map((f) => (
        <TextInput
          key={f}
          prompt={`${pad(label[f], 6)}${w.form.field === f ? '▸' : ' '}`}
          value={w.form[f]}
          placeholder={placeholder[f]}
          active={active && w.form.field === f}
          onChange={(v) => w.setFormField(f, v)}
          onSubmit={() => w.next()}
          onCancel={() => w.previous()}
          width={width}
        />
      ))}
      <Text> </Text>
      {w.form.error ? <Message kind="error" text={`${label[w.form.field]}: ${w.form.error}`} width={width} /> : <Text> </Text>}
    </>
  );
}

function StageView({ w, width }: { w: Wizard; width: number }) {
  const s = w.memory.staged;
  if (s && s.backupId === w.memory.backupId) {
    return (
      <>
        <Message kind="ok" text={s.tables.length ? `staged ${s.tables.length} table(s) into ${s.namespace}` : 'every table was staged already'} width={width} />
        <Targeted line={targetedLine(s.targeted, w.memory.loss, 'staged', sourceName(w))} />
        {s.tables.map((t) => (
          <Text key={t.table} wrap="truncate">{`  ${pad(t.table, 32)} ${pad(formatCount(t.rows), 10, 'right')} rows${t.related ? '  (related)' : ''}`}</Text>
        ))}
      </>
    );
  }
  return (
    <>
      <Text>{`Tables: ${w.affected.join(', ')} (+ related tables the backup holds)`}</Text>
      {w.memory.backupNote ? <Text wrap="truncate">{`Backup: ${w.memory.backupNote}`}</Text> : null}
    </>
  );
}

function DiffCounts({ w }: { w: Wizard }) {
  const set = w.memory.set;
  if (!set) return <Text dimColor>{w.diffTask.state === 'running' || w.diffTask.state === 'idle' ? 'comparing…' : ' '}</Text>;
  return (
    <>
      <Targeted line={targetedLine(set.targeted, w.memory.loss, 'compared', sourceName(w))} />
      <Text
        bold
      >{`${pad('TABLE', 24)} ${pad('DELETED', 9, 'right')} ${pad('SOFT-DELETED', 12, 'right')} ${pad('CHANGED', 9, 'right')} ${pad('ADDED', 9, 'right')}`}</Text>
      {set.tables.map((t) => (
        <Text
          key={t.id}
          wrap="truncate"
        >{`${pad(t.display, 24)} ${pad(formatCount(t.counts.deleted), 9, 'right')} ${pad(formatCount(t.counts.softDeleted), 12, 'right')} ${pad(formatCount(t.counts.changed), 9, 'right')} ${pad(formatCount(t.counts.added), 9, 'right')}`}</Text>
      ))}
    </>
  );
}

/** What the stage and diff steps looked at when the loss's keys are known: those keys only. */
function Targeted({ line }: { line: string | null }) {
  return line ? (
    <Text dimColor wrap="truncate">
      {line}
    </Text>
  ) : null;
}

/** What the keys were looked for in: `the backup`, or the source that needs none. */
function sourceName(w: Wizard): string {
  const ref = w.memory.backupId;
  const source = isNoBackupRef(ref) ? w.sources.find((s) => s.ref === ref) : undefined;
  return source ? `the ${source.name}` : 'the backup';
}

/** Lines of the apply dialog besides its tables: borders, title, header, the note (two lines), the typed name (blank, label, field, error). */
const APPLY_DIALOG_CHROME = 10;

function ApplyDialog({ w, width, height, database }: { w: Wizard; width: number; height: number; database: string }) {
  const plan = w.planTask.result!;
  return (
    <ConfirmDialog
      danger
      title={applyTitle(plan, database)}
      // As many tables as fit (the rest summed up): a taller dialog is squeezed by the layout and
      // loses its title and the step's own lines.
      lines={applyLines(plan, width - 4, Math.max(1, height - APPLY_DIALOG_CHROME), { from: false })}
      typed={{ expected: database, label: `Type the database name (${database}) and Enter; Esc cancels:` }}
      width={width}
      onConfirm={w.confirm}
      onCancel={w.closeConfirm}
    />
  );
}

function listOf(w: Wizard) {
  switch (w.memory.step) {
    case 'incident':
      return w.lossList;
    case 'backup':
      return w.backupList;
    case 'select':
      return w.classList;
    case 'plan':
    case 'verify':
      return w.lines;
    default:
      return null;
  }
}

function hint(w: Wizard): string {
  switch (w.memory.step) {
    case 'incident':
      return 'Enter: recover this · Esc: leave (the wizard remembers where it was)';
    case 'describe':
      return 'Tab: next field · Enter: look for a backup before this time · Esc: back';
    case 'backup':
      return 'Enter: use this backup · i: import a dump · ←: step back · Esc: leave';
    // Only the keys that act now: while work runs, Esc cancels it and nothing else acts.
    case 'stage':
      if (w.stageTask.state === 'running') return 'staging · Esc: cancel (always safe)';
      if (w.memory.staged && w.memory.staged.backupId === w.memory.backupId) return 'Enter: compare with live · ←: step back · Esc: leave';
      return `Enter: stage${w.stageTask.state === 'idle' ? '' : ' again'} · ←: step back · Esc: leave`;
    case 'diff':
      if (w.diffTask.state === 'running') return 'comparing · Esc: cancel (always safe)';
      if (w.memory.set) return 'Enter: choose the rows to bring back · d: rows · ←: step back · Esc: leave';
      return `Enter: compare${w.diffTask.state === 'idle' ? '' : ' again'} · ←: step back · Esc: leave`;
    case 'select':
      return 'space: choose or not · d: rows · Enter: plan · ←: step back · Esc: leave';
    case 'plan': {
      const policy = `p: policy (${w.memory.policy})`;
      if (w.planTask.state === 'running') return 'planning (a dry run) · Esc: cancel (always safe)';
      const plan = w.planTask.result;
      if (!plan) return `Enter: plan again · ${policy} · ←: step back · Esc: leave`;
      if (plan.merges.some((m) => m.blocked)) return `${policy} · s: SQL · w: write SQL · ←: step back · Esc: leave`;
      return `Enter: apply… · s: SQL · w: write SQL · ${policy} · ←: step back`;
    }
    case 'apply':
      return w.applyTask.state === 'failed' ? 'Esc: leave' : 'applying: it cannot be cancelled; wait for it to end';
    case 'verify':
      return 'Enter: close the wizard · d: the rows now · Esc: leave it open';
  }
}

/** The hint line while the import is open. */
function importHint(imp: ImportState): string {
  if (imp.mode === 'working') return 'Esc cancels: nothing stays imported';
  if (imp.mode === 'found') return 'found dumps: Space marks · Enter imports · Esc cancels';
  return 'a dump file imports it, a folder is searched · Tab completes · Esc cancels';
}
