/** The node layer's public surface: import from `src/node` rather than from its files. */
export * from './types';
export * from './errors';
export { shellQuote, shellJoin } from './quote';
export { parseNode, nodeLabel } from './node';
export { DEFAULT_TIMEOUT_SECONDS } from './command';
export {
  transportFor,
  execCmd,
  execCmdNoError,
  writeFile,
  connectUnixSocket,
  dryRunTransport,
  dryRunLog,
  closeTransport,
  closeAllTransports,
  type ExecNoErrorOptions,
} from './exec';
export { DryRunTransport, type DryRunRecord, type DryRunExecRecord, type DryRunWriteFileRecord, type DryRunSocketRecord, type DryRunSocketPeer } from './dry-run';
export { setNodeLogger, type NodeLogger } from './log';
