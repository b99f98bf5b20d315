import { Box, Text, useApp, useInput } from 'ink';
import { useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { engineName } from '../dialect/engine-name.js';
import { BusyContext, useBusyState } from './busy.js';
import { ConfirmDialog } from './components/confirm-dialog.js';
import { Footer } from './components/footer.js';
import { FooterHintsContext, useFooterHintsState } from './footer-hints.js';
import { Header } from './components/header.js';
import { HelpOverlay } from './components/help-overlay.js';
import { StatusLine } from './components/status-line.js';
import { LayerPriority, InputRouter } from './input/router.js';
import { InputRouterContext, useInputLayer } from './input/use-input-layer.js';
import type { KeyContext } from './keymap.js';
import { NavigationContext, useNavigationState, type NavEntry } from './navigation.js';
import { LIST_SCREENS } from './screen-id.js';
import { SCREENS } from './screens/registry.js';
import { ScreenContext, type ScreenDefinition } from './screens/screen.js';
import type { ConsoleServices } from './services.js';
import { OverviewContext, ServicesContext } from './services-context.js';
import { StatusContext, useStatusState } from './status.js';
import { ThemeContext, createTheme, type Theme } from './theme.js';
import { useAsync } from './use-async.js';
import { LayoutProvider, MIN_COLUMNS, MIN_ROWS, useLayout } from './use-layout.js';

/** Props of the console. */
export interface ConsoleAppProps {
  services: ConsoleServices;
  /** Default: colours on. `run-console` passes the NO_COLOR-aware theme. */
  theme?: Theme;
  /** Called once when the user quits, before Ink exits. */
  onQuit?: () => void;
  /** Clear the screen on resize (default: when stdout is a TTY). */
  clearOnResize?: boolean;
}

/**
 * The console: providers, the one `useInput`, and the frame (header, body, status line,
 * footer) at rows − 1 lines. Mount it once with Ink's `render()`.
 */
export function ConsoleApp(props: ConsoleAppProps) {
  const router = useMemo(() => new InputRouter(), []);
  const footerHints = useFooterHintsState();
  // The one keyboard handler of the console: every key goes through the router's layers.
  useInput((input, key) => router.press(input, key));
  return (
    <ThemeContext.Provider value={props.theme ?? createTheme(true)}>
      <ServicesContext.Provider value={props.services}>
        <InputRouterContext.Provider value={router}>
          <LayoutProvider clearOnResize={props.clearOnResize}>
            <FooterHintsContext.Provider value={footerHints}>
              <Shell services={props.services} onQuit={props.onQuit} />
            </FooterHintsContext.Provider>
          </LayoutProvider>
        </InputRouterContext.Provider>
      </ServicesContext.Provider>
    </ThemeContext.Provider>
  );
}

/** `q` quits at once unless work is running; asked a second time (Ctrl+C in the dialog), it quits. */
export function quitDecision(running: readonly string[], asking: boolean): 'exit' | 'ask' {
  return running.length === 0 || asking ? 'exit' : 'ask';
}

type Overlay = 'help' | 'quit' | null;

function Shell({ services, onQuit }: { services: ConsoleServices; onQuit?: () => void }) {
  const app = useApp();
  const layout = useLayout();
  const nav = useNavigationState();
  const status = useStatusState();
  const busy = useBusyState();
  const footerHints = useContext(FooterHintsContext);
  const loadOverview = useCallback(() => services.loadOverview(), [services]);
  const overview = useAsync(loadOverview);
  const [overlay, setOverlay] = useState<Overlay>(null);
  // A message belongs to the screen it was shown on.
  const { clear: clearStatus } = status;
  useEffect(() => clearStatus(), [nav.top.key, clearStatus]);

  const quit = useCallback(() => {
    onQuit?.();
    app.exit();
  }, [app, onQuit]);

  const top = nav.top;
  const screenContext: KeyContext = SCREENS[top.id].keyContext ?? top.id;
  // A layer over the screen (the SQL pager) has the keys: the footer and the help show its own.
  const topContext: KeyContext = footerHints.layer ?? screenContext;
  useInputLayer({
    priority: LayerPriority.global,
    context: overlay === 'help' ? 'help' : topContext,
    handle(command) {
      switch (command) {
        case 'back':
          if (!nav.pop()) status.show('info', 'This is Home: q quits');
          return true;
        case 'help':
          setOverlay('help');
          return true;
        case 'quit':
          if (quitDecision(busy.tasks, overlay === 'quit') === 'exit') quit();
          else setOverlay('quit');
          return true;
        default:
          return false;
      }
    },
  });

  const titleOf = (e: NavEntry) => (SCREENS[e.id] as ScreenDefinition).title(e.params);
  const target = overview.status === 'ready' ? `${engineName(overview.value.engine).short} · ${overview.value.database}` : '';
  const footerContext: KeyContext = overlay === 'help' ? 'help' : overlay === 'quit' ? 'dialog' : topContext;
  const helpContexts: KeyContext[] = topContext === top.id && LIST_SCREENS.includes(top.id) ? [topContext, 'text'] : [topContext];
  const idle = footerContext === screenContext ? footerHints.idle : [];

  return (
    <OverviewContext.Provider value={overview}>
      <NavigationContext.Provider value={nav}>
        <StatusContext.Provider value={status}>
          <BusyContext.Provider value={busy}>
            <Box flexDirection="column" width={layout.columns} height={layout.height}>
              <Header crumbs={nav.stack.map(titleOf)} target={target} width={layout.columns} />
              <Box flexDirection="column" height={layout.bodyHeight} overflow="hidden">
                {nav.stack.map((entry) => {
                  const visible = entry === top && overlay === null && layout.fits;
                  const Screen = SCREENS[entry.id].component as ScreenDefinition['component'];
                  return (
                    <Box key={entry.key} display={visible ? 'flex' : 'none'} flexDirection="column" height={layout.bodyHeight}>
                      <ScreenContext.Provider
                        value={{ id: entry.id, keyContext: SCREENS[entry.id].keyContext ?? entry.id, active: entry === top && overlay === null }}
                      >
                        <Screen params={entry.params} />
                      </ScreenContext.Provider>
                    </Box>
                  );
                })}
                {!layout.fits ? <Text>{`Terminal too small: ${layout.columns}×${layout.rows}; the console needs ${MIN_COLUMNS}×${MIN_ROWS}.`}</Text> : null}
                {overlay === 'help' ? (
                  <HelpOverlay
                    contexts={helpContexts}
                    title={titleOf(top)}
                    width={layout.columns}
                    height={layout.bodyHeight}
                    onClose={() => setOverlay(null)}
                  />
                ) : null}
                {overlay === 'quit' ? (
                  <ConfirmDialog
                    title="Work is still running"
                    lines={[`Running: ${busy.tasks.join(', ')}.`, 'Quitting stops it; an unfinished merge is rolled back.', 'Quit anyway?']}
                    width={Math.min(layout.columns, 70)}
                    onConfirm={quit}
                    onCancel={() => setOverlay(null)}
                  />
                ) : null}
              </Box>
              <StatusLine message={status.message} busy={busy.tasks} width={layout.columns} />
              <Footer context={footerContext} width={layout.columns} idle={idle} />
            </Box>
          </BusyContext.Provider>
        </StatusContext.Provider>
      </NavigationContext.Provider>
    </OverviewContext.Provider>
  );
}
