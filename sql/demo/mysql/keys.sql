-- Unique keys and secondary indexes of the demo CRM, added after the bulk load (the loader runs
-- with foreign_key_checks = 0 and unique_checks = 0). Foreign keys are declared in schema.sql.
ALTER TABLE users ADD UNIQUE KEY users_user_name_key (user_name);
ALTER TABLE accounts ADD KEY idx_accounts_name (name);
ALTER TABLE contacts ADD UNIQUE KEY contacts_email_key (email),
  ADD KEY idx_contacts_name (last_name, first_name);
ALTER TABLE calls ADD KEY idx_calls_parent (parent_id, parent_type);
ALTER TABLE notes ADD KEY idx_notes_parent (parent_id, parent_type),
  ADD KEY idx_notes_contact (contact_id);
ALTER TABLE history ADD KEY idx_history_changed_at (changed_at),
  ADD KEY idx_history_record (table_name, record_id);
