import { createInterface } from 'node:readline';

/**
 * Asks for a password on the terminal without echoing it. Only called when stdin is a TTY.
 * Written to stderr so that `--json` stdout stays clean.
 */
export async function promptPassword(question: string): Promise<string> {
  const stdin = process.stdin;
  const stderr = process.stderr;
  stderr.write(question);
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: stdin, output: undefined, terminal: true });
    // Swallow echo: readline writes nothing because output is undefined.
    rl.question('', (answer) => {
      rl.close();
      stderr.write('\n');
      resolve(answer);
    });
    rl.on('SIGINT', () => {
      rl.close();
      stderr.write('\n');
      reject(new Error('cancelled'));
    });
  });
}
