-- The demo CRM, shaped like SuiteCRM (same table and column names in sql/demo/postgres/schema.sql).
-- Timestamps are datetime(6) in UTC (sessions run with time_zone = '+00:00').
-- Every key, foreign key and index is declared here. The loader fills key-less staging twins
-- (load-tables.sql) and moves each into its empty table with one INSERT … SELECT
-- (publish.sql), which InnoDB turns into sorted bulk index builds. No ALTER TABLE: MariaDB 10.11
-- failed, and once crashed, on ALTER TABLE … ADD FOREIGN KEY with foreign_key_checks = 0.
-- Implied, undeclared references (as in SuiteCRM): created_by, modified_user_id,
-- assigned_user_id, history.user_id -> users.id; calls/notes (parent_type, parent_id) ->
-- accounts | contacts | opportunities; notes.contact_id -> contacts.id; history.record_id.

CREATE TABLE users (
  id char(36) NOT NULL,
  user_name varchar(60) NOT NULL,
  first_name varchar(255) NULL,
  last_name varchar(255) NULL,
  status varchar(100) NULL,
  date_entered datetime(6) NULL,
  deleted tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY users_user_name_key (user_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE accounts (
  id char(36) NOT NULL,
  name varchar(150) NULL,
  industry varchar(50) NULL,
  annual_revenue decimal(14,2) NULL,
  billing_city varchar(100) NULL,
  billing_country varchar(100) NULL,
  description longtext NULL,
  date_entered datetime(6) NULL,
  date_modified datetime(6) NULL,
  created_by char(36) NULL,
  modified_user_id char(36) NULL,
  assigned_user_id char(36) NULL,
  deleted tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY idx_accounts_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE contacts (
  id char(36) NOT NULL,
  salutation varchar(255) NULL,
  first_name varchar(100) NULL,
  last_name varchar(100) NULL,
  email varchar(100) NULL,
  phone_work varchar(100) NULL,
  title varchar(100) NULL,
  birthdate date NULL,
  description longtext NULL,
  preferences json NULL,
  photo longblob NULL,
  date_entered datetime(6) NULL,
  date_modified datetime(6) NULL,
  created_by char(36) NULL,
  modified_user_id char(36) NULL,
  assigned_user_id char(36) NULL,
  deleted tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY contacts_email_key (email),
  KEY idx_contacts_name (last_name, first_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE accounts_contacts (
  id char(36) NOT NULL,
  account_id char(36) NOT NULL,
  contact_id char(36) NOT NULL,
  date_modified datetime(6) NULL,
  deleted tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY idx_accounts_contacts_account (account_id, contact_id),
  KEY idx_accounts_contacts_contact (contact_id),
  CONSTRAINT fk_accounts_contacts_account FOREIGN KEY (account_id) REFERENCES accounts (id),
  CONSTRAINT fk_accounts_contacts_contact FOREIGN KEY (contact_id) REFERENCES contacts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE opportunities (
  id char(36) NOT NULL,
  name varchar(255) NULL,
  amount decimal(14,2) NULL,
  sales_stage varchar(255) NULL,
  close_date date NULL,
  account_id char(36) NULL,
  date_entered datetime(6) NULL,
  date_modified datetime(6) NULL,
  created_by char(36) NULL,
  modified_user_id char(36) NULL,
  assigned_user_id char(36) NULL,
  deleted tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY idx_opportunities_account (account_id),
  CONSTRAINT fk_opportunities_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE calls (
  id char(36) NOT NULL,
  name varchar(255) NULL,
  status varchar(100) NULL,
  date_start datetime(6) NULL,
  duration_minutes int NULL,
  parent_type varchar(255) NULL,
  parent_id char(36) NULL,
  date_entered datetime(6) NULL,
  date_modified datetime(6) NULL,
  created_by char(36) NULL,
  modified_user_id char(36) NULL,
  deleted tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY idx_calls_parent (parent_id, parent_type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE notes (
  id char(36) NOT NULL,
  name varchar(255) NULL,
  description longtext NULL,
  parent_type varchar(255) NULL,
  parent_id char(36) NULL,
  contact_id char(36) NULL,
  date_entered datetime(6) NULL,
  date_modified datetime(6) NULL,
  created_by char(36) NULL,
  modified_user_id char(36) NULL,
  deleted tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY idx_notes_parent (parent_id, parent_type),
  KEY idx_notes_contact (contact_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A vtiger-modtracker-like change log: every create, update and delete, with who and when.
-- changes: {"column": [before, after], …} for updates ({"deleted": [0, 1]} for soft deletes).
-- The table comment marks the database as a crm-rescue demo (safe for `demo` to replace).
CREATE TABLE history (
  id bigint NOT NULL AUTO_INCREMENT,
  table_name varchar(64) NOT NULL,
  record_id char(36) NOT NULL,
  action varchar(16) NOT NULL,
  user_id char(36) NULL,
  changed_at datetime(6) NOT NULL,
  changes json NULL,
  PRIMARY KEY (id),
  KEY idx_history_changed_at (changed_at),
  KEY idx_history_record (table_name, record_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='crm-rescue demo CRM';
