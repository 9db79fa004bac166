// The generic remote-library server's public surface. Libraries code against `./library`; composition roots
// and tests start servers with `startRemoteServer`.
export * from './library';
export * from './errors';
export { startRemoteServer, type RemoteServer, type RemoteServerOptions } from './server';
export { createServerLog, redact, isSecretName, type ServerLogLevel, type ServerLogOptions } from './server-log';
export { loadCredentials, parseCredentials, isLoopbackHost, type Credentials } from './auth';
export { printableName } from './robot/names';
export { describeValue, parseRobotBoolean } from './robot/conversion';
