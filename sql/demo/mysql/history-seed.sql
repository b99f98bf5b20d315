-- Session-local staging of the seed-time history rows the generators emit (updates and
-- isolated deletes); history.sql merges them with the derived 'create' rows.
CREATE TEMPORARY TABLE demo_history_seed (
  table_name varchar(64) NOT NULL,
  record_id char(36) NOT NULL,
  action varchar(16) NOT NULL,
  user_id char(36) NULL,
  changed_at datetime(6) NOT NULL,
  changes longtext NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
