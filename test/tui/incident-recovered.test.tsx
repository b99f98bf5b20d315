import { describe, expect, it } from 'vitest';
import type { IncidentSummary } from '../../src/tui/services.js';
import { useClock } from '../helpers/clock.js';
import { INCIDENT, NOW, fakeAudit, recoveryFakes } from './fake-recovery.js';
import { KEYS, frameWhere, press, renderConsole, type TestApp } from './helpers.js';

// eslint-disable-next-line react-hooks/rules-of-hooks -- useClock is a vitest helper (beforeEach/afterEach), not a React hook
useClock(NOW);

const MERGE_ID = 'mrg_20261121110000_ab12';

const RECOVERED: IncidentSummary = {
  ...INCIDENT,
  recovered: { extent: 'all', mergeIds: [MERGE_ID], rows: 856, of: 856, mark: `recovered by ${MERGE_ID}` },
};

const PARTLY: IncidentSummary = {
  ...INCIDENT,
  recovered: { extent: 'some', mergeIds: [MERGE_ID], rows: 319, of: 856, mark: `partly recovered by ${MERGE_ID} (319 of 856 rows)` },
};

function consoleWith(incident: IncidentSummary): Promise<TestApp> {
  return renderConsole({ services: recoveryFakes({ audit: fakeAudit(300, { incidents: async () => [incident] }) }) });
}

/** Waits for `text` with every visible row read. */
function ready(app: TestApp, text: string): Promise<string> {
  return frameWhere(app, (f) => f.includes(text) && !f.includes('reading…'));
}

describe('an incident merges brought back', () => {
  it('Home shows the newest incident with its mark', async () => {
    const app = await consoleWith(RECOVERED);
    const frame = await ready(app, 'rows on');
    expect(frame).toMatch(new RegExp(`Incident\\s+864 rows on 11-21 05:58: recovered by ${MERGE_ID}`));
  });

  it('Home says when the newest incident is not recovered', async () => {
    const app = await consoleWith(INCIDENT);
    expect(await ready(app, 'rows on')).toMatch(/Incident\s+! 864 rows on 11-21 05:58: not recovered/);
  });

  it('Audit tags it in the incident list and names the merge under the list', async () => {
    const app = await consoleWith(PARTLY);
    await ready(app, 'crm_prod');
    await press(app, 'g', 'j', KEYS.enter);
    const frame = await ready(app, 'Incidents (1)');
    expect(frame).toMatch(/▸ 21 Nov 05:58 mallory\.b\s+864 partly recovered · accounts_c/);
    expect(frame).toContain(`partly recovered by ${MERGE_ID} (319 of 856 rows)`);
  });

  it('the wizard started on a recovered incident says there is nothing left to recover', async () => {
    const app = await consoleWith(RECOVERED);
    await ready(app, 'crm_prod');
    await press(app, 'g', 'j', KEYS.enter);
    await ready(app, 'Incidents (1)');
    await press(app, 'r');
    const wizard = await ready(app, 'Step 2/8');
    expect(wizard.replace(/\s+/g, ' ')).toContain(`Nothing left to recover: this incident's rows were recovered by ${MERGE_ID}`);
    expect(wizard).not.toContain('Pick the backup to take the rows from');
  });

  it('the wizard lists it tagged, and one not recovered still gets the usual steps', async () => {
    const app = await consoleWith(RECOVERED);
    await ready(app, 'crm_prod');
    await press(app, 'g', KEYS.enter);
    const list = await ready(app, 'mallory.b');
    expect(list).toMatch(/864 recovered · accounts_contacts/);

    const plain = await consoleWith(INCIDENT);
    await ready(plain, 'crm_prod');
    await press(plain, 'g', KEYS.enter);
    await ready(plain, 'mallory.b');
    await press(plain, KEYS.enter);
    const step = await ready(plain, 'Step 2/8');
    expect(step).toContain('Pick the backup to take the rows from');
    expect(step).not.toContain('Nothing left to recover');
  });
});
