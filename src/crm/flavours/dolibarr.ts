import type { SchemaSnapshot, TableInfo } from '../../dialect/model.js';
import type { AuditSourceRef, CrmKnowledge, Flavour } from '../flavour.js';
import { ImpliedRelationBuilder } from '../implied.js';
import { hasColumns, refOf, SchemaIndex, typeFamily } from '../schema-index.js';
import { NOT_FOUND, scoreSignals, type Detection } from '../score.js';
import { commonSoftDelete } from './generic.js';

/** Entity tables without the prefix, most important first. */
const ENTITIES = ['societe', 'socpeople', 'actioncomm', 'projet', 'propal', 'commande', 'facture', 'contrat', 'product', 'ticket', 'adherent', 'user'];

/**
 * Values of Dolibarr's element-type columns (`llx_actioncomm.elementtype`,
 * `llx_element_element.sourcetype`, …: the objects' `$element`) and the table each one means.
 * Several spellings exist across versions and tables ('invoice' in agenda events, 'facture' in links).
 */
export const DOLIBARR_ELEMENTS: [value: string, table: string][] = [
  ['societe', 'societe'],
  ['thirdparty', 'societe'],
  ['contact', 'socpeople'],
  ['socpeople', 'socpeople'],
  ['project', 'projet'],
  ['projet', 'projet'],
  ['project_task', 'projet_task'],
  ['task', 'projet_task'],
  ['propal', 'propal'],
  ['commande', 'commande'],
  ['order', 'commande'],
  ['facture', 'facture'],
  ['invoice', 'facture'],
  ['order_supplier', 'commande_fournisseur'],
  ['invoice_supplier', 'facture_fourn'],
  ['contrat', 'contrat'],
  ['contract', 'contrat'],
  ['shipping', 'expedition'],
  ['fichinter', 'fichinter'],
  ['user', 'user'],
  ['member', 'adherent'],
  ['ticket', 'ticket'],
  ['product', 'product'],
  ['action', 'actioncomm'],
];

/** `fk_<x>` names whose table is not `<prefix><x>`. */
const FK_ALIASES: Record<string, string> = {
  soc: 'societe',
  thirdparty: 'societe',
  contact: 'socpeople',
  project: 'projet',
  task: 'projet_task',
  invoice: 'facture',
  order: 'commande',
  contract: 'contrat',
  member: 'adherent',
  warehouse: 'entrepot',
  action: 'c_actioncomm',
  account: 'bank_account',
};

/** `fk_<x>` columns that are polymorphic or not links at all. */
const NOT_LINKS = new Set(['element', 'object', 'source', 'target', 'parent', 'statut', 'status']);

/**
 * The tables `fk_<x>` links are implied to (after FK_ALIASES): the CRM core and the documents a
 * third party owns. Dolibarr's ERP side reuses names loosely (`llx_paiement.fk_paiement` is a
 * payment mode), so links to other tables are left to the declared foreign keys.
 */
const LINK_TARGETS = new Set([
  'societe',
  'socpeople',
  'user',
  'usergroup',
  'projet',
  'projet_task',
  'propal',
  'commande',
  'facture',
  'contrat',
  'fichinter',
  'expedition',
  'livraison',
  'supplier_proposal',
  'commande_fournisseur',
  'facture_fourn',
  'adherent',
  'product',
  'categorie',
  'actioncomm',
  'c_actioncomm',
]);

/** Where Dolibarr lives: the schema and the table prefix (`llx_` unless changed at install). */
export interface DolibarrLayout {
  schema: string;
  prefix: string;
}

/** Finds the prefix from `<prefix>societe` + `<prefix>socpeople`; with several, the one with most tables. */
export function dolibarrLayout(index: SchemaIndex): DolibarrLayout | undefined {
  let best: (DolibarrLayout & { tables: number }) | undefined;
  for (const schema of index.schemas) {
    const tables = index.tablesIn(schema);
    for (const t of tables) {
      if (!t.name.toLowerCase().endsWith('societe')) continue;
      const prefix = t.name.slice(0, -'societe'.length);
      if (!index.table(schema, `${prefix}socpeople`)) continue;
      const count = tables.filter((x) => x.name.toLowerCase().startsWith(prefix.toLowerCase())).length;
      if (!best || count > best.tables) best = { schema, prefix, tables: count };
    }
  }
  return best && { schema: best.schema, prefix: best.prefix };
}

/** Scores a snapshot as Dolibarr. */
export function detectDolibarr(snapshot: SchemaSnapshot): Detection {
  const index = new SchemaIndex(snapshot);
  const layout = dolibarrLayout(index);
  if (!layout) return NOT_FOUND;
  const { schema, prefix: p } = layout;
  const t = (n: string) => index.table(schema, p + n);
  const dict = ['c_actioncomm', 'c_action_trigger', 'c_type_contact', 'c_country', 'c_typent'].filter((n) => t(n));
  const links = ['projet', 'propal', 'element_element', 'element_contact', 'societe_commerciaux'].filter((n) => t(n));
  return scoreSignals([
    { ok: true, weight: 0.35, evidence: `tables ${p}societe, ${p}socpeople (prefix ${p || '(none)'})` },
    { ok: hasColumns(t('societe'), 'rowid', 'nom', 'fk_user_creat'), weight: 0.1, evidence: `${p}societe(rowid, nom, fk_user_creat)` },
    { ok: hasColumns(t('actioncomm'), 'id', 'code', 'fk_element', 'elementtype'), weight: 0.15, evidence: `${p}actioncomm(code, elementtype, fk_element)` },
    { ok: hasColumns(t('user'), 'rowid', 'login'), weight: 0.1, evidence: `${p}user(rowid, login)` },
    { ok: hasColumns(t('const'), 'name', 'value'), weight: 0.05, evidence: `${p}const(name, value)` },
    { ok: dict.length > 0, weight: 0.1, evidence: `dictionaries ${dict.map((n) => p + n).join(', ')}` },
    { ok: links.length > 0, weight: 0.1, evidence: `tables ${links.map((n) => p + n).join(', ')}` },
    { ok: t('events') !== undefined, weight: 0.05, evidence: `${p}events` },
  ]);
}

/**
 * Supplier and template documents reuse the customer column names: the lines and logs of a
 * supplier order (`llx_commande_fournisseurdet.fk_commande`) point at llx_commande_fournisseur,
 * those of a template invoice (`llx_facturedet_rec.fk_facture`) at llx_facture_rec.
 */
const FAMILIES: Record<string, string[]> = {
  commande: ['commande_fournisseur'],
  facture: ['facture_fourn', 'facture_rec'],
};

function familyParent(index: SchemaIndex, schema: string, child: TableInfo, prefix: string, target: string): TableInfo | undefined {
  const name = child.name.toLowerCase();
  for (const family of FAMILIES[target] ?? []) {
    const parent = index.table(schema, prefix + family);
    const stem = (prefix + family).toLowerCase();
    const rec = family.endsWith('_rec') && name.startsWith((prefix + target).toLowerCase()) && name.endsWith('_rec');
    if (parent && parent !== child && (name.startsWith(stem) || rec)) return parent;
  }
  return undefined;
}

/** Dolibarr ERP/CRM (MySQL/MariaDB, PostgreSQL). */
export const dolibarrFlavour: Flavour = {
  id: 'dolibarr',
  name: 'Dolibarr ERP & CRM',
  detect: detectDolibarr,
  knowledge(snapshot, detection): CrmKnowledge {
    const index = new SchemaIndex(snapshot);
    const layout = dolibarrLayout(index) ?? { schema: snapshot.schemas[0], prefix: 'llx_' };
    const { schema, prefix: p } = layout;
    const t = (n: string) => index.table(schema, p + n);
    // Dolibarr writes 0 where a reference is empty (fk_parent = 0, fk_user = 0).
    const b = new ImpliedRelationBuilder({ noParentValues: ['0'] });
    const elements = DOLIBARR_ELEMENTS.map(([value, name]) => ({ value, table: t(name) })).filter((e) => e.table);
    const polymorphic = (table: TableInfo | undefined, typeColumn: string, idColumn: string) => {
      for (const e of elements) {
        b.link(table, [idColumn], e.table, undefined, `Dolibarr polymorphic ${typeColumn} + ${idColumn}`, {
          discriminator: { column: typeColumn, value: e.value },
        });
      }
    };
    for (const table of index.tablesIn(schema)) {
      const name = table.name.toLowerCase();
      if (!name.startsWith(p.toLowerCase())) continue;
      if (name.endsWith('_extrafields')) {
        b.link(table, ['fk_object'], index.table(schema, table.name.slice(0, -'_extrafields'.length)), undefined, 'Dolibarr extra fields of the object');
      }
      for (const c of table.columns) {
        const m = /^fk_(.+)$/i.exec(c.name);
        if (!m || typeFamily(c.dataType) !== 'number') continue;
        const x = m[1].toLowerCase();
        if (NOT_LINKS.has(x)) continue;
        const target = /^user_/.test(x) ? 'user' : (FK_ALIASES[x] ?? x);
        if (!LINK_TARGETS.has(target)) continue;
        const parent = familyParent(index, schema, table, p, target) ?? t(target);
        // Only users point at their own table (fk_user = the supervisor).
        if (parent && (parent !== table || target === 'user')) b.link(table, [c.name], parent, undefined, `Dolibarr ${c.name} holds a ${parent.name} id`);
      }
    }
    b.link(t('societe'), ['parent'], t('societe'), undefined, 'Dolibarr parent company');
    b.link(t('actioncomm'), ['fk_parent'], t('actioncomm'), undefined, 'Dolibarr parent event');
    polymorphic(t('actioncomm'), 'elementtype', 'fk_element');
    polymorphic(t('actioncomm_resources'), 'element_type', 'fk_element');
    polymorphic(t('element_element'), 'sourcetype', 'fk_source');
    polymorphic(t('element_element'), 'targettype', 'fk_target');
    polymorphic(t('blockedlog'), 'element', 'fk_object');
    const auditSources: AuditSourceRef[] = [];
    const audit = (table: TableInfo | undefined, kind: string, description: string) => table && auditSources.push({ table: refOf(table), kind, description });
    audit(
      t('actioncomm'),
      'dolibarr-agenda',
      "agenda events; with automatic events enabled a delete is code 'AC_<TRIGGER>' such as AC_COMPANY_DELETE, AC_CONTACT_DELETE, AC_PROPAL_DELETE (elementtype + fk_element name the object, label/note describe it)",
    );
    audit(t('events'), 'dolibarr-security-events', 'security events (type USER_DELETE, USER_MODIFY, USER_LOGIN, …; fk_user, dateevent, description)');
    audit(t('blockedlog'), 'dolibarr-blockedlog', 'unalterable log of certified actions (action, element, fk_object, fk_user, object_data)');
    return {
      flavour: 'dolibarr',
      name: dolibarrFlavour.name,
      confidence: detection.score,
      evidence: detection.evidence,
      entityTables: ENTITIES.map((n) => t(n))
        .filter((x): x is TableInfo => x !== undefined)
        .map(refOf),
      softDelete(ref) {
        const table = index.get(ref);
        if (!table) return null;
        // Dolibarr deletes rows for real (cascaded by application code): no soft-delete mark.
        if (table.schema === schema && table.name.toLowerCase().startsWith(p.toLowerCase())) return null;
        return commonSoftDelete(snapshot, ref);
      },
      impliedRelations: b.list(),
      auditSources,
    };
  },
};
