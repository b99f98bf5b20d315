import { parseIni } from './ini.js';

/** Client settings from MySQL option files (~/.my.cnf): the `[client]` group, then `[mysql]`. */
export interface MyCnfClient {
  user?: string;
  password?: string;
  host?: string;
  port?: number;
  socket?: string;
  database?: string;
  sslCa?: string;
}

/** Reads the client groups of a MySQL option file. Later groups override earlier ones. */
export function parseMyCnf(text: string, groups: string[] = ['client', 'mysql']): MyCnfClient {
  const ini = parseIni(text);
  const out: MyCnfClient = {};
  for (const group of groups) {
    const values = ini.get(group);
    if (!values) continue;
    const get = (k: string) => values.get(k);
    if (get('user') !== undefined) out.user = get('user');
    if (get('password') !== undefined) out.password = get('password');
    if (get('host') !== undefined) out.host = get('host');
    if (get('port') !== undefined && get('port') !== '') out.port = Number(get('port'));
    if (get('socket') !== undefined) out.socket = get('socket');
    if (get('database') !== undefined) out.database = get('database');
    if (get('ssl-ca') !== undefined) out.sslCa = get('ssl-ca');
  }
  return out;
}
