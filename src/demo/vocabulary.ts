/**
 * Word lists the demo generators draw from. Deliberately international: accents, ß, ø, CJK and
 * an emoji or two, because recovery must round-trip every character a real CRM holds.
 */

export const FIRST_NAMES = [
  'Anna', 'Ben', 'Chloé', 'David', 'Émilie', 'Farid', 'Greta', 'Hiroshi', 'Ingrid', 'Jürgen',
  'Katarzyna', 'Lars', 'María', 'Nils', 'Olga', 'Pål', 'Quentin', 'Rosa', 'Søren', 'Thomas',
  'Ulrike', 'Valentina', 'Wei', 'Xavier', 'Yusuf', 'Zoë', 'José', 'François', 'Björn', 'Agnieszka',
  'Mei', 'Ahmed', 'Priya', 'Liam', 'Noah', 'Emma', 'Olivia', 'Lucas', 'Mia', 'Leon',
  '李', '王芳', 'Renée', 'Dvořák', 'Łukasz', 'Siobhán', 'Øystein', 'Ægir', 'Håkon', 'Çağla',
];

export const LAST_NAMES = [
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weiß', 'Meyer', 'Wagner', 'Becker', 'Hoffmann', 'Schäfer',
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Martínez', 'Rodríguez', 'López', 'González',
  'Dubois', 'Lefèvre', 'Moreau', 'Laurent', 'Rossi', 'Russo', 'Bianchi', 'Nowak', 'Kowalski', 'Wiśniewski',
  'Jensen', 'Nielsen', 'Hansen', 'Pedersen', 'Sørensen', 'Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson',
  '张', '王', '陈', '佐藤', '鈴木', 'Kim', 'Park', "O'Brien", 'Groß', 'Strauß',
  'van der Berg', 'de la Cruz', 'Øvrebø', 'Ölçer', 'Nguyễn',
];

export const SALUTATIONS = ['Mr.', 'Ms.', 'Mrs.', 'Dr.', 'Prof.', ''];

export const TITLES = [
  'CEO', 'CFO', 'CTO', 'Head of Sales', 'Sales Manager', 'Account Executive', 'Buyer', 'Procurement Lead',
  'IT Manager', 'Office Manager', 'Geschäftsführer', 'Directrice commerciale', 'Einkäufer', 'Developer',
  'Marketing Lead', 'Assistant', 'VP Operations', '采购经理',
];

export const COMPANY_PREFIXES = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Nordwind', 'Bäckerei', 'Société', 'Fjord',
  'Alpen', 'Sonnen', 'Blue', 'Red', 'Green', 'Silver', 'Golden', 'Polar', 'Müller', 'Øresund',
  'Rhein', 'Donau', 'Atlas', 'Orion', 'Vega', 'Lumen', 'Kraft', 'Nova', '华为', '东方',
];

export const COMPANY_SUFFIXES = [
  'GmbH', 'AG', 'Ltd', 'Inc.', 'SARL', 'S.A.', 'AB', 'A/S', 'B.V.', 'S.p.A.', 'KG', 'LLC', 'Group', 'Holding', '有限公司',
];

export const COMPANY_MIDDLES = [
  'Logistics', 'Software', 'Consulting', 'Maschinenbau', 'Foods', 'Energy', 'Textiles', 'Pharma',
  'Bau', 'Media', 'Systems', 'Trading', 'Elektro', 'Retail', 'Analytics', 'Möbel', 'Brauerei',
];

export const INDUSTRIES = [
  'Apparel', 'Banking', 'Biotechnology', 'Chemicals', 'Communications', 'Construction', 'Consulting',
  'Education', 'Electronics', 'Energy', 'Engineering', 'Entertainment', 'Finance', 'Government',
  'Healthcare', 'Hospitality', 'Insurance', 'Machinery', 'Manufacturing', 'Media', 'Retail',
  'Technology', 'Telecommunications', 'Transportation', 'Utilities', 'Other',
];

/** [city, country] pairs. */
export const CITIES: readonly (readonly [string, string])[] = [
  ['Berlin', 'Germany'], ['München', 'Germany'], ['Köln', 'Germany'], ['Düsseldorf', 'Germany'],
  ['Zürich', 'Switzerland'], ['Genève', 'Switzerland'], ['Wien', 'Austria'], ['Paris', 'France'],
  ['Lyon', 'France'], ['Besançon', 'France'], ['Madrid', 'Spain'], ['A Coruña', 'Spain'],
  ['Milano', 'Italy'], ['Roma', 'Italy'], ['København', 'Denmark'], ['Århus', 'Denmark'],
  ['Oslo', 'Norway'], ['Tromsø', 'Norway'], ['Stockholm', 'Sweden'], ['Malmö', 'Sweden'],
  ['Kraków', 'Poland'], ['Łódź', 'Poland'], ['London', 'United Kingdom'], ['Manchester', 'United Kingdom'],
  ['Dublin', 'Ireland'], ['New York', 'USA'], ['San José', 'USA'], ['Toronto', 'Canada'],
  ['Montréal', 'Canada'], ['São Paulo', 'Brazil'], ['上海', 'China'], ['北京', 'China'],
  ['東京', 'Japan'], ['İstanbul', 'Türkiye'], ['Reykjavík', 'Iceland'],
];

export const SALES_STAGES = [
  'Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers',
  'Perception Analysis', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost',
];

export const CALL_STATUSES = ['Planned', 'Held', 'Not Held'];

export const CALL_SUBJECTS = [
  'Follow-up', 'Intro call', 'Pricing discussion', 'Renewal', 'Support escalation', 'Quarterly review',
  'Rückruf', 'Angebot besprechen', 'Appel de suivi', 'Demo 📞', 'Kick-off', 'Contract questions',
];

export const NOTE_SUBJECTS = [
  'Meeting notes', 'Call summary', 'Requirements', 'Complaint', 'Idea', 'Besprechungsnotiz',
  'Compte rendu', 'Offerte', 'Reminder ⏰', 'Budget 2025', 'Feedback', '会议记录',
];

export const WORDS = [
  'customer', 'order', 'delivery', 'invoice', 'contract', 'renewal', 'discount', 'meeting', 'budget',
  'quarter', 'pipeline', 'support', 'ticket', 'upgrade', 'license', 'Lieferung', 'Rechnung', 'Größe',
  'straße', 'réunion', 'équipe', 'søknad', 'priority', 'deadline', 'approved', 'pending', 'urgent',
  '客户', '合同', 'ok 👍', 'café', 'naïve', 'façade', 'über',
];
