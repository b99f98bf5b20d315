import { describe, expect, it } from 'vitest';

// Force chalk (inside Ink) to emit colours even though vitest's stdout is not a TTY, so that
// "no colour codes" below proves the theme, not the environment. Ink is imported after this.
process.env.FORCE_COLOR = '3';
const { KEYS, fakeServices, frameWith, press, renderConsole } = await import('./helpers.js');
const { themeFromEnv } = await import('../../src/tui/theme.js');
const { prepareEnvironment } = await import('../../src/tui/index.js');

/** SGR bold (1) and reverse video (7), alone or with other attributes. */
const BOLD = /\x1b\[(?:[0-9]+;)*1(?:;[0-9]+)*m/;
const INVERSE = /\x1b\[(?:[0-9]+;)*7(?:;[0-9]+)*m/;

/** SGR colour codes: 30–49 and 90–107 (with or without other attributes), 256 and true colour. */
const COLOUR = /\x1b\[(?:[0-9]+;)*(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9]+)*m/;

const staleBackup = () => fakeServices({ lastBackup: async () => ({ id: 'pg-old', finishedAt: new Date(Date.now() - 5 * 86400_000).toISOString() }) });

async function walk(color: boolean) {
  const app = await renderConsole({ services: staleBackup(), color });
  await frameWith(app, 'pg-old');
  await press(app, 'G', KEYS.enter);
  await frameWith(app, 'contacts');
  await press(app, '?');
  await frameWith(app, 'Keys ·');
  return app.frames.join('\n');
}

describe('NO_COLOR', () => {
  it('reads NO_COLOR: present and not empty means no colour', () => {
    expect(themeFromEnv({ NO_COLOR: '1' }).color).toBe(false);
    expect(themeFromEnv({ NO_COLOR: '' }).color).toBe(true);
    expect(themeFromEnv({}).color).toBe(true);
  });

  it('with colours, the frames carry colour codes (so the check below means something)', async () => {
    expect(await walk(true)).toMatch(COLOUR);
  });

  it('without colours, no frame has a colour code, and meaning stays in markers and text', async () => {
    const frames = await walk(false);
    expect(frames).not.toMatch(COLOUR);
    expect(frames).toContain('! 5 d ago (pg-old): older than 24 h');
    expect(frames).toContain('▸ accounts');
    expect(frames).toContain('Keys · Inspect tables');
  });

  it('NO_COLOR drops only colour: the console keeps chalk on, so bold and reverse video stay', async () => {
    const env: NodeJS.ProcessEnv = { NO_COLOR: '1' };
    prepareEnvironment(env);
    // FORCE_COLOR=0 would turn chalk (inside Ink) off altogether: no bold, no reverse video.
    expect(env.FORCE_COLOR).toBeUndefined();
    const frames = await walk(false);
    expect(frames).not.toMatch(COLOUR);
    expect(frames).toMatch(BOLD);
    expect(frames).toMatch(INVERSE);
  });

  it('a CI variable neither turns chalk off (its colour detection gives up on any CI) nor overrides FORCE_COLOR', () => {
    const ci: NodeJS.ProcessEnv = { CI: 'true', NO_COLOR: '1', TERM: 'tmux-256color' };
    prepareEnvironment(ci);
    expect(ci).toMatchObject({ CI: 'false', FORCE_COLOR: '2' });
    const truecolor: NodeJS.ProcessEnv = { CI: '1', TERM: 'xterm', COLORTERM: 'truecolor' };
    prepareEnvironment(truecolor);
    expect(truecolor.FORCE_COLOR).toBe('3');
    const forced: NodeJS.ProcessEnv = { CI: 'true', FORCE_COLOR: '0', TERM: 'xterm' };
    prepareEnvironment(forced);
    expect(forced.FORCE_COLOR).toBe('0');
    const dumb: NodeJS.ProcessEnv = { CI: 'true', TERM: 'dumb' };
    prepareEnvironment(dumb);
    expect(dumb.FORCE_COLOR).toBeUndefined();
  });
});
