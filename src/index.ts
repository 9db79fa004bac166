/**
 * The package's public API, `require('qemu-utils-remote')`: the remote-library server, the QemuUtils
 * library to serve with it, and the node layer (running commands on a node over SSH, locally or as a dry run).
 *
 *   const server = await startRemoteServer(createQemuLibrary({ accel: 'tcg' }), { port: 0 });
 *
 * Everything else under src/ is internal and may change between versions.
 */
export {
  startRemoteServer,
  ServerConfigurationError,
  createServerLog,
  KeywordError,
  type RemoteServer,
  type RemoteServerOptions,
  type ServerLogLevel,
  type ServerLogOptions,
  type RemoteLibrary,
  type KeywordDefinition,
} from './remote';
export { createQemuLibrary, LIBRARY_NAME, LIBRARY_VERSION, type QemuSession } from './library/qemu-library';
export { QemuError, QemuConfigError } from './qemu';
export * from './node';
