import { Box, Text } from 'ink';
import { useState } from 'react';
import { formatCount } from '../../../util/format.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { Message } from '../../components/message.js';
import { ProgressBar } from '../../components/progress-bar.js';
import { SqlPager } from '../../components/sql-pager.js';
import { Tabs } from '../../components/tabs.js';
import { LIST_CHROME_LINES, WindowedList, type ListColumn } from '../../components/windowed-list.js';
import type { MergeRecordView, MergeServices } from '../../services.js';
import { useIdleKeys } from '../../footer-hints.js';
import type { Command } from '../../keymap.js';
import { useServices } from '../../services-context.js';
import { useTheme } from '../../theme.js';
import { useLayout } from '../../use-layout.js';
import { Unavailable } from '../unavailable.js';
import { useScreen, useScreenInput, type ScreenProps } from '../screen.js';
import { mergeIntent, nextPolicy } from './merge-input.js';
import { applyLines, applyTitle, planHeader, planSql, sqlPath, type PlanLine } from './plan-lines.js';
import { useMergeState, type MergeState } from './use-merge-state.js';

/** Lines besides the list: tabs, status, the notice (two lines), hint. */
const CHROME = 5;

const MERGE_COLUMNS: ListColumn<MergeRecordView>[] = [
  { header: 'MERGE', width: 24, render: (m) => m.id },
  { header: 'STATE', width: 9, render: (m) => m.state },
  { header: 'WHEN (UTC)', width: 16, render: (m) => m.createdAt.replace('T', ' ').slice(0, 16) },
  { header: 'ROWS', width: 7, align: 'right', render: (m) => (m.totals ? formatCount(m.totals.inserted + m.totals.updated) : '?') },
  { header: 'TABLES', width: 'flex', render: (m) => m.tables.join(', ') },
];

/** Merge: the plan (a dry run) with conflicts and SQL, apply after typing the database name, the result, and undo. */
export function MergeScreen({ params }: ScreenProps<'merge'>) {
  const services = useServices();
  if (!services.merge) return <Unavailable what="Merge" />;
  return <Merge merge={services.merge} params={params} />;
}

type Dialog = { kind: 'apply' } | { kind: 'undo'; id: string } | null;

function Merge({ merge, params }: { merge: MergeServices; params: ScreenProps<'merge'>['params'] }) {
  const layout = useLayout();
  const screen = useScreen();
  const theme = useTheme();
  const height = Math.max(1, layout.bodyHeight - CHROME - LIST_CHROME_LINES);
  const state = useMergeState(merge, params, layout.columns - 8, height);
  const [dialog, setDialog] = useState<Dialog>(null);
  // The SQL pager over the plan; opened by w, its path field is open from the start.
  const [pager, setPager] = useState<{ saving: boolean } | null>(null);
  const services = useServices();
  const hasPlan = Boolean(params.selections?.length);
  const list = state.pane === 'plan' ? state.lines : state.mergeList;
  const canUndo = Boolean(state.mergeList.current);
  useIdleKeys(idleKeys(state.pane, hasPlan, canUndo));
  useScreenInput((command) => {
    if (list.search.editing) return false;
    if (command === 'back' && state.planTask.state === 'running') return state.planTask.cancel();
    const intent = mergeIntent(command, state.pane, { hasPlan, running: state.running });
    switch (intent.type) {
      case 'busy':
        state.say(
          'info',
          state.applyTask.state === 'running'
            ? 'the apply is running: it cannot be cancelled once committed; it can be undone after'
            : 'wait for the running work to end',
        );
        return true;
      case 'pane':
        state.setPane(state.pane === 'plan' ? 'merges' : 'plan');
        return true;
      case 'sql':
      case 'write':
        if (!state.planTask.result || state.applyTask.state !== 'idle')
          state.say('info', state.planTask.result ? 'this plan was applied: plan again from the Diff to see SQL' : 'no plan yet');
        else setPager({ saving: intent.type === 'write' });
        return true;
      case 'policy':
        if (state.applyTask.state === 'done') state.say('info', 'this plan was applied; merge again from the Diff to plan more rows');
        else state.setPolicy(nextPolicy(state.policy));
        return true;
      case 'apply': {
        const plan = state.planTask.result;
        if (state.applyTask.state !== 'idle') state.say('info', 'this plan was applied already');
        else if (!plan) state.say('info', 'no plan yet');
        else if (plan.merges.some((m) => m.blocked)) state.say('warn', 'the plan has conflicts under the abort policy: p chooses skip or overwrite first');
        else setDialog({ kind: 'apply' });
        return true;
      }
      case 'undo': {
        const m = state.mergeList.current;
        if (!m) return true;
        if (m.state !== 'applied') state.say('info', `${m.id} is ${m.state} already`);
        else setDialog({ kind: 'undo', id: m.id });
        return true;
      }
      case 'list':
        return list.handle(command);
    }
  });
  const w = layout.columns;
  const plan = state.planTask.result;
  const database = merge.database();
  return (
    <Box flexDirection="column" width={w}>
      <Tabs
        items={[
          ...(hasPlan ? [{ id: 'plan' as const, label: state.applyTask.state === 'done' ? 'Result' : pager ? 'Plan · SQL' : 'Plan (dry run)' }] : []),
          { id: 'merges' as const, label: 'Merges (journal)' },
        ]}
        current={state.pane}
        active={screen.active}
        hint={hasPlan ? `on conflict: ${state.policy}` : ''}
      />
      {state.planTask.state === 'running' && state.planTask.progress ? (
        <ProgressBar event={state.planTask.progress} width={w} />
      ) : state.applyTask.state === 'running' && state.applyTask.progress ? (
        <ProgressBar event={state.applyTask.progress} width={w} />
      ) : (
        <>
          {state.message ? <Message kind={state.message.kind} text={state.message.text} width={w} /> : <Text wrap="truncate">{summary(state, database)}</Text>}
          <Text> </Text>
        </>
      )}
      {dialog ? (
        <ConfirmDialog
          danger
          title={dialog.kind === 'apply' && plan ? applyTitle(plan, database) : `Undo ${dialog.kind === 'undo' ? dialog.id : ''} on ${database}`}
          lines={
            dialog.kind === 'apply' && plan
              ? applyLines(plan, Math.min(w, 76) - 4)
              : ['Deletes the rows it inserted and puts back the rows it updated,', 'in one transaction. Rows changed since are never touched.']
          }
          typed={{ expected: database, label: `Type the database name (${database}) and Enter; Esc cancels:` }}
          width={Math.min(w, 76)}
          onCancel={() => setDialog(null)}
          onConfirm={() => {
            const d = dialog;
            setDialog(null);
            if (d.kind === 'apply') state.apply();
            else state.undo(d.id);
          }}
        />
      ) : state.pane === 'plan' && pager && plan ? (
        <SqlPager
          {...planSql(plan)}
          title={`SQL of the plan for ${database}: the text merge --sql prints`}
          width={w}
          height={height + LIST_CHROME_LINES}
          active={screen.active}
          files={services.files}
          defaultPath={services.files ? sqlPath(plan, services.files.folder()) : ''}
          saving={pager.saving}
          onClose={() => setPager(null)}
        />
      ) : state.pane === 'plan' ? (
        <WindowedList
          list={state.lines}
          columns={lineColumns(planHeader(w - 8))}
          width={w}
          active={screen.active}
          noun="lines"
          emptyText={state.planTask.state === 'running' ? 'planning…' : 'no plan'}
        />
      ) : (
        <WindowedList
          list={state.mergeList}
          columns={MERGE_COLUMNS}
          width={w}
          active={screen.active}
          noun="merges"
          emptyText={state.merges.status === 'loading' ? 'reading the journal…' : 'no merge was ever applied to this database'}
        />
      )}
      <Text color={theme.fg('warn')} wrap="truncate">
        {dialog ? ' ' : `${theme.markers.warn} Once committed an apply cannot be cancelled; undo (u) puts the rows back.`}
      </Text>
      <Text dimColor wrap="truncate">
        {paneHint(state.pane, hasPlan, canUndo)}
      </Text>
    </Box>
  );
}

/**
 * The keys of the Merge context that do nothing in this pane (the footer leaves them out): the
 * journal applies nothing and has no SQL or policy; Tab needs a plan to switch to; u needs a merge.
 */
export function idleKeys(pane: 'plan' | 'merges', hasPlan: boolean, canUndo: boolean): Command[] {
  const idle: Command[] = pane === 'plan' ? ['undo'] : ['apply', 'sql', 'write', 'policy'];
  if (!hasPlan) idle.push('nextPane');
  // No merge under the cursor: the journal is empty (or still read), there is nothing to search.
  if (pane === 'merges' && !canUndo) idle.push('undo', 'search');
  return idle;
}

/** The pane's own line of hints: only keys that act here. */
function paneHint(pane: 'plan' | 'merges', hasPlan: boolean, canUndo: boolean): string {
  if (pane === 'plan') return 'Enter: apply… · s: SQL · w: write SQL · p: conflict policy · Tab: merges';
  const hints = [...(canUndo ? ['u: undo the merge under the cursor'] : []), ...(hasPlan ? ['Tab: plan'] : [])];
  return hints.length ? hints.join(' · ') : 'The journal of the merges applied to this database.';
}

function summary(state: MergeState, database: string): string {
  const plan = state.planTask.result;
  if (state.pane === 'merges') return `Merges applied to ${database}, newest first`;
  if (!plan) return 'Nothing is written until you apply and type the database name.';
  return `Dry run of ${plan.merges.length} merge(s): rolled back, nothing written yet.`;
}

/** One column: the plan's lines under a heading. */
export function lineColumns(header: string): ListColumn<PlanLine>[] {
  return [{ header, width: 'flex', render: (l) => l.text }];
}
