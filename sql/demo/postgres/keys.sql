-- Keys, declared foreign keys and indexes of the demo CRM, added after the bulk load.
ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY (id),
  ADD CONSTRAINT users_user_name_key UNIQUE (user_name);
ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);
ALTER TABLE contacts ADD CONSTRAINT contacts_pkey PRIMARY KEY (id),
  ADD CONSTRAINT contacts_email_key UNIQUE (email);
ALTER TABLE accounts_contacts ADD CONSTRAINT accounts_contacts_pkey PRIMARY KEY (id),
  ADD CONSTRAINT fk_accounts_contacts_account FOREIGN KEY (account_id) REFERENCES accounts (id),
  ADD CONSTRAINT fk_accounts_contacts_contact FOREIGN KEY (contact_id) REFERENCES contacts (id);
ALTER TABLE opportunities ADD CONSTRAINT opportunities_pkey PRIMARY KEY (id),
  ADD CONSTRAINT fk_opportunities_account FOREIGN KEY (account_id) REFERENCES accounts (id);
ALTER TABLE calls ADD CONSTRAINT calls_pkey PRIMARY KEY (id);
ALTER TABLE notes ADD CONSTRAINT notes_pkey PRIMARY KEY (id);
ALTER TABLE history ADD CONSTRAINT history_pkey PRIMARY KEY (id);

CREATE INDEX idx_accounts_name ON accounts (name);
CREATE INDEX idx_contacts_name ON contacts (last_name, first_name);
CREATE INDEX idx_accounts_contacts_account ON accounts_contacts (account_id, contact_id);
CREATE INDEX idx_accounts_contacts_contact ON accounts_contacts (contact_id);
CREATE INDEX idx_opportunities_account ON opportunities (account_id);
CREATE INDEX idx_calls_parent ON calls (parent_id, parent_type);
CREATE INDEX idx_notes_parent ON notes (parent_id, parent_type);
CREATE INDEX idx_notes_contact ON notes (contact_id);
CREATE INDEX idx_history_changed_at ON history (changed_at);
CREATE INDEX idx_history_record ON history (table_name, record_id);
