import { Box } from 'ink';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { quitDecision } from '../../src/tui/app.js';
import { ConfirmDialog } from '../../src/tui/components/confirm-dialog.js';
import { KeyValue } from '../../src/tui/components/key-value.js';
import { ProgressBar } from '../../src/tui/components/progress-bar.js';
import { formatDuration, progressBar, progressParts } from '../../src/tui/components/progress-text.js';
import { editText } from '../../src/tui/components/text-edit.js';
import { TextInput } from '../../src/tui/components/text-input.js';
import { charKey } from '../../src/tui/input/split-keys.js';
import { InputRouter } from '../../src/tui/input/router.js';
import { InputRouterContext } from '../../src/tui/input/use-input-layer.js';
import type { ProgressEvent } from '../../src/progress/event.js';
import { KEYS, WithInput, frameWith, press, renderAt } from './helpers.js';

describe('ProgressBar', () => {
  const event: ProgressEvent = {
    operation: 'backup',
    phase: 'dump',
    table: 'public.accounts',
    done: 12,
    total: 40,
    bytes: 123_000_000,
    rate: 45_000_000,
    etaSeconds: 32,
  };

  it('draws text blocks, percentage, bytes, rate and ETA from the engine progress event', () => {
    const p = progressParts(event, 20);
    expect(p).toEqual({
      label: 'backup dump public.accounts',
      bar: '██████░░░░░░░░░░░░░░',
      percent: '30%',
      amount: '12/40 tables',
      bytes: '123 MB',
      rate: '45 MB/s',
      eta: 'ETA 32 s',
    });
    expect(progressBar(0.5, 4)).toBe('██░░');
    expect(progressBar(0.53, 4)).toBe('██▏░');
    expect(progressParts({ phase: 'count', done: 7, total: 0 }, 10)).toMatchObject({ bar: '', percent: '', amount: '7 tables', eta: 'ETA ?' });
    expect(progressParts({ ...event, done: 40 }, 10).eta).toBe('');
    expect(formatDuration(245)).toBe('4 min 05 s');
  });

  it('renders two lines within the width', async () => {
    const app = await renderAt(<ProgressBar event={event} width={80} />);
    const lines = app.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^backup dump public\.accounts\s+12\/40 tables$/);
    expect(lines[1]).toMatch(/^█+[▏▎▍▌▋▊▉]?░+ +30% {2}123 MB {2}45 MB\/s {2}ETA 32 s$/);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
  });
});

describe('text fields', () => {
  it('edits: printable input, Backspace, Ctrl+U, Enter, Esc; control characters never enter', () => {
    const k = (c: string) => charKey(c).key;
    expect(editText('ab', undefined, 'c', k('c'))).toEqual({ type: 'change', value: 'abc' });
    expect(editText('ab', undefined, 'x\x1by', k('x'))).toEqual({ type: 'change', value: 'abxy' });
    expect(editText('ab', 'deleteBack', '', k('\x7f'))).toEqual({ type: 'change', value: 'a' });
    expect(editText('ab', 'clearLine', 'u', k('\x15'))).toEqual({ type: 'change', value: '' });
    expect(editText('ab', 'submit', '', k('\r'))).toEqual({ type: 'submit' });
    expect(editText('ab', 'cancel', '', k('\x1b'))).toEqual({ type: 'cancel' });
  });

  it('shows the validation message under the field on Enter, and submits once it is right', async () => {
    const onSubmit = vi.fn();
    function Field() {
      const [v, setV] = useState('');
      return <TextInput prompt="Name:" value={v} onChange={setV} onSubmit={onSubmit} validate={(x) => (x === 'crm_prod' ? null : 'type crm_prod exactly')} />;
    }
    const app = await renderAt(
      <WithInput>
        <Field />
      </WithInput>,
    );
    await press(app, 'c', 'r', 'm', KEYS.enter);
    expect(await frameWith(app, 'type crm_prod exactly')).toContain('✗ type crm_prod exactly');
    expect(onSubmit).not.toHaveBeenCalled();
    await press(app, '_', 'p', 'r', 'o', 'd');
    expect(await frameWith(app, 'crm_prod')).not.toContain('✗');
    await press(app, KEYS.enter);
    expect(onSubmit).toHaveBeenCalledWith('crm_prod');
  });
});

describe('TextInput typed ahead', () => {
  it('a name and Enter routed before React re-renders (a loaded machine, a paste over SSH) submit the whole name', async () => {
    const onSubmit = vi.fn();
    const router = new InputRouter();
    function Field() {
      const [v, setV] = useState('');
      return <TextInput prompt="Name:" value={v} onChange={setV} onSubmit={onSubmit} validate={(x) => (x === 'crm_prod' ? null : 'type crm_prod exactly')} />;
    }
    const app = await renderAt(
      <InputRouterContext.Provider value={router}>
        <Field />
      </InputRouterContext.Provider>,
    );
    // Every key handled in one go, with no render in between: what the router does when React
    // has not committed within its wait.
    for (const c of 'crm_prod\r') {
      const k = charKey(c);
      router.dispatch(k.input, k.key);
    }
    expect(onSubmit).toHaveBeenCalledWith('crm_prod');
    expect(await frameWith(app, 'crm_prod')).not.toContain('✗');
  });
});

describe('ConfirmDialog', () => {
  it('y confirms, n and Esc cancel, other keys are swallowed', async () => {
    const onConfirm = vi.fn();
    const onCancel = vi.fn();
    const app = await renderAt(
      <WithInput>
        <ConfirmDialog title="Drop staging?" lines={['staging_20241114 (3 tables)']} onConfirm={onConfirm} onCancel={onCancel} width={60} />
      </WithInput>,
    );
    expect(app.lastFrame()).toContain('! Drop staging?');
    expect(app.lastFrame()).toContain('y or Enter: yes · n or Esc: no');
    await press(app, 'j', 'q');
    expect(onConfirm).not.toHaveBeenCalled();
    expect(onCancel).not.toHaveBeenCalled();
    await press(app, 'n');
    expect(onCancel).toHaveBeenCalledOnce();
    await press(app, KEYS.escape);
    expect(onCancel).toHaveBeenCalledTimes(2);
    await press(app, 'y');
    expect(onConfirm).toHaveBeenCalledOnce();
    await press(app, '\x1by');
    expect(onConfirm).toHaveBeenCalledOnce();
  });

  it('a typed confirmation needs the database name; y alone is text', async () => {
    const onConfirm = vi.fn();
    const app = await renderAt(
      <WithInput>
        <ConfirmDialog
          danger
          title="Apply the merge to crm_prod"
          lines={['412 rows into 3 tables']}
          typed={{ expected: 'crm_prod', label: 'Type the database name to apply:' }}
          onConfirm={onConfirm}
          onCancel={() => undefined}
          width={70}
        />
      </WithInput>,
    );
    // Drawn as a question, not as an error that happened: no ✗ before the title.
    expect(app.lastFrame()).toContain('! Apply the merge to crm_prod');
    expect(app.lastFrame()).not.toContain('✗');
    await press(app, 'y', KEYS.enter);
    expect(await frameWith(app, 'exactly')).toContain('type crm_prod exactly to go on (Esc cancels)');
    expect(onConfirm).not.toHaveBeenCalled();
    await press(app, KEYS.backspace, ...'crm_prod', KEYS.enter);
    expect(onConfirm).toHaveBeenCalledOnce();
  });
});

describe('KeyValue', () => {
  it('aligns keys and marks warnings with a marker', async () => {
    const app = await renderAt(
      <Box>
        <KeyValue
          width={50}
          entries={[
            { key: 'Target', value: 'postgres://h/db' },
            { key: 'Last backup', value: '3 d ago', tone: 'warn' },
          ]}
        />
      </Box>,
    );
    expect(app.lines()).toEqual(['Target       postgres://h/db', 'Last backup  ! 3 d ago']);
  });
});

describe('quit', () => {
  it('asks only while work is running; asked again, it quits', () => {
    expect(quitDecision([], false)).toBe('exit');
    expect(quitDecision(['backup crm_prod'], false)).toBe('ask');
    expect(quitDecision(['backup crm_prod'], true)).toBe('exit');
  });
});
