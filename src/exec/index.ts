/**
 * The one layer that runs external tools. Nothing else in crm-rescue spawns a process.
 *
 * Why node:child_process and not zx (issue 15 weighed it; zx serves the benchmarks and the test
 * helpers instead): zx runs every command through a shell (`bash -c 'set -euo pipefail; …'`), so
 * the pid this runner signals would be bash's, not pg_dump's, and a signal's exit-code meaning
 * (137 killed, 141 broken pipe) would be the shell's retelling; a ProcessOutput stores the whole
 * of stdout and stderr, where this runner streams a dump of any size with backpressure and keeps
 * a bounded stderr tail; and the guarantees below (credentials in the environment or a 0600
 * options file removed before `done` settles, SIGTERM then SIGKILL after 5 s, a 2 s drain when a
 * grandchild holds the pipes, a broken input stream failing the run) would all have to be
 * rebuilt around zx anyway. Nothing would get clearer, so the runner stays as it is.
 */
export { startTool, runTool, type ToolSpec, type ToolProcess, type ToolResult } from './run-tool.js';
export { ToolError } from './tool-error.js';
export { findTool, findFirstTool } from './find-tool.js';
export { toolVersion, parseToolVersion, type ToolVersion } from './tool-version.js';
export { renderCommand, shellQuote } from './command-line.js';
export { describeExit, hintFromStderr, signalExitCode } from './exit-meaning.js';
