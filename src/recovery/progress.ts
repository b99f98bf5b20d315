import type { ProgressUpdate } from '../progress/event.js';

/** How long recovery work reports progress and is cancelled. */
export interface ProgressOptions {
  onProgress?: (event: ProgressUpdate) => void;
  /** Aborting stops the work safely (a backup removes its partial files, staging keeps live untouched). */
  signal?: AbortSignal;
}
