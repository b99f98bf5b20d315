import { Box, Text } from 'ink';
import { useState } from 'react';
import { LayerPriority } from '../input/router.js';
import { useInputLayer } from '../input/use-input-layer.js';
import { useTheme } from '../theme.js';
import { TextInput } from './text-input.js';

/** Props of a confirmation dialog. */
export interface ConfirmDialogProps {
  title: string;
  /** What will happen, one line per item. */
  lines: string[];
  onConfirm: () => void;
  onCancel: () => void;
  width: number;
  /**
   * Destructive: drawn with the error tone. The marker stays the warning's `!`: the title asks a
   * question, and `✗` would read as an error that already happened.
   */
  danger?: boolean;
  /**
   * A typed confirmation: Enter works only once the text equals `expected` (the database name,
   * DESIGN.md safety rule 4). Without it, `y` or Enter confirms.
   */
  typed?: { expected: string; label: string };
}

/**
 * A modal confirmation. It takes every key while open (Ctrl+C still reaches the quit logic):
 * `y`/Enter confirm, `n`/Esc cancel; a typed confirmation needs the exact text first.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const theme = useTheme();
  const [typed, setTyped] = useState('');
  useInputLayer({
    priority: LayerPriority.dialog,
    context: 'dialog',
    handle(command) {
      if (command === 'quit') return false;
      if (command === 'cancel') props.onCancel();
      else if (command === 'confirm' && !props.typed) props.onConfirm();
      // Every other key stops here: a dialog is modal.
      return true;
    },
  });
  const tone = props.danger ? 'error' : 'warn';
  const inner = Math.max(20, props.width - 4);
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1} width={props.width}>
      {/* Wrapped, not cut: what is about to be written must be readable whole at 80 columns. */}
      <Text bold color={theme.fg(tone)} wrap="wrap">
        {`${theme.markers.warn} `}
        {props.title}
      </Text>
      {props.lines.map((l, i) => (
        <Text key={i} wrap="wrap">
          {l}
        </Text>
      ))}
      <Text> </Text>
      {props.typed ? (
        <>
          <Text wrap="truncate">{props.typed.label}</Text>
          <TextInput
            inDialog
            prompt=">"
            value={typed}
            onChange={setTyped}
            width={inner}
            validate={(v) => (v === props.typed!.expected ? null : `type ${props.typed!.expected} exactly to go on (Esc cancels)`)}
            onSubmit={props.onConfirm}
            onCancel={props.onCancel}
          />
        </>
      ) : (
        <Text dimColor>y or Enter: yes · n or Esc: no</Text>
      )}
    </Box>
  );
}
