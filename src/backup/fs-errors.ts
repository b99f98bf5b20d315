import { UserError } from '../errors.js';

/**
 * Turns a file-system error met while writing the catalog into one actionable line: disk full,
 * read-only, not a folder, permission denied.
 */
export function fsWriteError(err: unknown, path: string): Error {
  if (err instanceof UserError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  const opts = { cause: err };
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new UserError(
        `no space left on device while writing ${path}`,
        "Free space in the catalog's file system or pass --dir on a larger disk; the partial backup was removed",
        opts,
      );
    case 'EROFS':
      return new UserError(`cannot write ${path}: read-only file system`, 'Pass --dir (or set CRM_RESCUE_HOME) to a writable folder', opts);
    case 'EACCES':
    case 'EPERM':
      return new UserError(`cannot write ${path}: permission denied`, 'Pass --dir (or set CRM_RESCUE_HOME) to a folder you may write', opts);
    case 'EEXIST':
      return new UserError(`cannot write ${path}: a file is in the way (it must be a folder)`, 'Pass --dir (or set CRM_RESCUE_HOME) to a folder', opts);
    case 'ENOTDIR':
      return new UserError(`cannot write ${path}: a part of the path is a file, not a folder`, 'Pass --dir (or set CRM_RESCUE_HOME) to a folder', opts);
    case 'EIO':
      return new UserError(`I/O error while writing ${path}`, 'Check the disk', opts);
  }
  return err instanceof Error ? err : new Error(String(err));
}
