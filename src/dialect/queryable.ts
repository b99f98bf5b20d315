/** The minimal query interface the dialect layer needs: text plus positional parameters. */
export interface Queryable {
  /** Runs one statement and returns its rows as plain objects. */
  query<T = Record<string, unknown>>(sqlText: string, params?: readonly unknown[]): Promise<T[]>;
}
