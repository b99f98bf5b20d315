/**
 * The one layer that runs external tools. Nothing else in crm-rescue spawns a process.
 */
export { startTool, runTool, type ToolSpec, type ToolProcess, type ToolResult } from './run-tool.js';
export { ToolError } from './tool-error.js';
export { findTool, findFirstTool } from './find-tool.js';
export { toolVersion, parseToolVersion, type ToolVersion } from './tool-version.js';
export { renderCommand, shellQuote } from './command-line.js';
export { describeExit, hintFromStderr, signalExitCode } from './exit-meaning.js';
