-- Builds the change log of the seeded CRM: one 'create' row per row of every table, plus the
-- seed-time updates and isolated deletes staged in demo_history_seed, inserted in time order so
-- that ids grow with changed_at, as in a real log. Relation rows are credited to the user who
-- created the contact; users to the admin. The staged rows come first: their columns give the
-- union its types (and, on MySQL, its collation).
INSERT INTO history (table_name, record_id, action, user_id, changed_at, changes)
SELECT h.table_name, h.record_id, h.action, h.user_id, h.changed_at, h.changes
FROM (
  SELECT table_name, record_id, action, user_id, changed_at, changes FROM demo_history_seed
  UNION ALL
  SELECT 'users', u.id, 'create', (SELECT a.id FROM users a WHERE a.user_name = 'admin'), u.date_entered, NULL
    FROM users u
  UNION ALL
  SELECT 'accounts', id, 'create', created_by, date_entered, NULL FROM accounts
  UNION ALL
  SELECT 'contacts', id, 'create', created_by, date_entered, NULL FROM contacts
  UNION ALL
  SELECT 'accounts_contacts', ac.id, 'create', c.created_by, ac.date_modified, NULL
    FROM accounts_contacts ac JOIN contacts c ON c.id = ac.contact_id
  UNION ALL
  SELECT 'opportunities', id, 'create', created_by, date_entered, NULL FROM opportunities
  UNION ALL
  SELECT 'calls', id, 'create', created_by, date_entered, NULL FROM calls
  UNION ALL
  SELECT 'notes', id, 'create', created_by, date_entered, NULL FROM notes
) h
ORDER BY h.changed_at, h.table_name, h.record_id, h.action;
DROP TABLE demo_history_seed;
