// The generic remote-library server's public surface. Libraries code against `./library`; composition roots
// and tests start servers with `startRemoteServer`.
export * from './library';
export { startRemoteServer, ServerConfigurationError, type RemoteServer, type RemoteServerOptions } from './server';
export { createServerLog, redact, isSecretName, type ServerLogLevel, type ServerLogOptions } from './server-log';
export { loadCredentials, parseCredentials, isLoopbackHost, CREDENTIALS_ENV, CredentialsError, type Credentials } from './auth';
export { LibraryDefinitionError, printableName } from './spec';
