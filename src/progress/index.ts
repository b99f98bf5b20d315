export type { ProgressEvent, ProgressListener } from './event.js';
export { ProgressTracker, type TrackerOptions, type WeightedItem } from './tracker.js';
export { createProgressReporter, ndjsonReporter, barReporter, formatProgressLine, formatEta, type ProgressReporter, type ReporterOptions } from './reporter.js';
