import { Box, Text } from 'ink';
import { useRef, useState } from 'react';
import { useInputLayer } from '../input/use-input-layer.js';
import { LayerPriority } from '../input/router.js';
import { useTheme } from '../theme.js';
import { truncate } from '../../util/format.js';
import { cellWidth, truncateCells } from '../../util/text-width.js';
import { editText } from './text-edit.js';

/** Props of a one-line text field. */
export interface TextInputProps {
  value: string;
  onChange(value: string): void;
  /** Enter. Not called while `validate` returns a message. */
  onSubmit?(value: string): void;
  /** Esc. */
  onCancel?(): void;
  /** Tab (a path field's completion); without it, Tab goes on to the screen (the next field). */
  onComplete?(value: string): void;
  /** Shown before the value: `/`, `Database name:`. */
  prompt?: string;
  placeholder?: string;
  /** The field has the keyboard. */
  active?: boolean;
  /** Returns a message when the value cannot be submitted; it is shown under the field on Enter. */
  validate?(value: string): string | null;
  /** Inside a dialog (above the dialog's own keys) rather than a screen. */
  inDialog?: boolean;
  width?: number;
}

/**
 * A one-line text field with an inline validation message (second line, only when there is a
 * message). While active it takes the printable keys; arrows still reach the screen below.
 */
export function TextInput(props: TextInputProps) {
  const theme = useTheme();
  const { value, active = true, width = 60 } = props;
  const [message, setMessage] = useState<string | null>(null);
  // Keys typed ahead (a pasted name and Enter, over a slow link or a loaded machine) can be
  // routed before React has re-rendered with the last change: edit and submit the latest value,
  // not the one of the last render.
  // The edit made on top of which rendered value: it stands until a render brings another value.
  const latest = useRef<{ prop: string; value: string } | null>(null);
  useInputLayer({
    priority: props.inDialog ? LayerPriority.dialogText : LayerPriority.screenText,
    context: 'text',
    active,
    handle(command, input, key) {
      const current = latest.current?.prop === value ? latest.current.value : value;
      if (command === 'complete' && props.onComplete) {
        props.onComplete(current);
        return true;
      }
      const edit = editText(current, command, input, key);
      switch (edit.type) {
        case 'change':
          setMessage(null);
          latest.current = { prop: value, value: edit.value };
          props.onChange(edit.value);
          return true;
        case 'submit': {
          const problem = props.validate?.(current) ?? null;
          setMessage(problem);
          if (!problem) props.onSubmit?.(current);
          return true;
        }
        case 'cancel':
          setMessage(null);
          props.onCancel?.();
          return true;
        case 'ignore':
          return false;
      }
    },
  });
  const prompt = props.prompt ? `${props.prompt} ` : '';
  const room = Math.max(1, width - cellWidth(prompt) - 1);
  const shown = truncateCells(value, room, 'start');
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>{prompt}</Text>
        {value === '' && props.placeholder && !active ? <Text dimColor>{props.placeholder}</Text> : <Text>{shown}</Text>}
        {active ? <Text inverse> </Text> : null}
      </Text>
      {message ? (
        <Text color={theme.fg('error')} wrap="truncate">
          {theme.markers.error} {truncate(message, width - 2)}
        </Text>
      ) : null}
    </Box>
  );
}
