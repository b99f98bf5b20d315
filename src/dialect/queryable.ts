/** The minimal query interface the dialect layer needs: text plus positional parameters. */
export interface Queryable {
  /** Runs one statement and returns its rows as plain objects. */
  query<T = Record<string, unknown>>(sqlText: string, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * One read-write transaction on one dedicated connection (Db.transaction): every statement runs
 * between its BEGIN and its COMMIT, or its ROLLBACK when the work fails.
 */
export interface Transaction extends Queryable {
  /** Runs one INSERT, UPDATE or DELETE and returns how many rows it affected. */
  write(sqlText: string, params?: readonly unknown[]): Promise<number>;
}

/**
 * A read-only transaction with one consistent snapshot on one dedicated connection: every
 * statement sees the same data. `stream` reads a SELECT's rows in batches through a server-side
 * cursor (PostgreSQL) or the driver's row stream (MySQL), so memory holds one batch however many
 * rows the statement returns. One stream at a time; `release` ends the transaction.
 */
export interface Snapshot extends Queryable {
  /** Yields the rows of one SELECT in batches of at most `batchSize`, in the statement's order. */
  stream<T = Record<string, unknown>>(sqlText: string, params?: readonly unknown[], batchSize?: number): AsyncGenerator<T[]>;
  /** Ends the transaction and gives the connection back (idempotent). */
  release(): Promise<void>;
}
