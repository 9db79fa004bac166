/**
 * A unix socket on an SSH node (QMP, the guest agent, serial): a direct-streamlocal channel when sshd lets
 * the node's user open the socket, else a `sudo socat` bridge on a session channel.
 */
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { socatCommand } from './command';
import { NodeError, UnixSocketError } from './errors';
import { nodeLogger } from './log';
import { classifyOpenFailure, type ChannelOpenError, type ChannelTarget, type OpenedExec } from './ssh-channel';
import type { Connection, SshConnections } from './ssh-connection';
import { awaitSocatBridge } from './socat';
import { joinStreams } from './streams';

/** What a socket connection needs of the SSH transport. */
export interface SocketChannels extends ChannelTarget {
  connections: SshConnections;
  /** Holds a session-channel slot and opens an exec channel (see `SshTransport`). */
  openExec(line: string, signal: AbortSignal): Promise<OpenedExec>;
}

function forwardStreamLocal(connection: Connection, path: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      connection.client.openssh_forwardOutStreamLocal(path, (error, channel) => (error ? reject(error) : resolve(channel)));
    } catch (error) {
      reject(error);
    }
  });
}

/**
 * `sudo: true` goes straight to socat, `false` never uses it; unset tries direct first and falls back to
 * socat when sshd refuses.
 */
export async function connectUnixSocket(ssh: SocketChannels, path: string, options: { sudo?: boolean } = {}): Promise<Duplex> {
  if (path === '') throw new UnixSocketError(path, ssh.label, 'empty socket path');
  if (options.sudo === true) return connectWithSocat(ssh, path, undefined);
  let directFailure = '';
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const connection = await ssh.connections.live();
    try {
      // direct-streamlocal channels are not sessions: they do not count against MaxSessions.
      return await forwardStreamLocal(connection, path);
    } catch (error) {
      directFailure = (error as Error).message;
      if (classifyOpenFailure(error as ChannelOpenError, connection) === 'connection-gone' && attempt === 0) {
        ssh.connections.drop(connection);
        continue;
      }
      break;
    }
  }
  const why = `sshd refused direct-streamlocal for ${ssh.node.username} (${directFailure}): the socket is missing, or ${ssh.node.username} may not open it`;
  if (options.sudo === false) throw new UnixSocketError(path, ssh.label, why);
  nodeLogger().debug(`${why}; trying sudo socat`);
  return connectWithSocat(ssh, path, directFailure);
}

async function connectWithSocat(ssh: SocketChannels, path: string, directFailure: string | undefined): Promise<Duplex> {
  const line = socatCommand(path);
  const never = new AbortController().signal;
  let opened: OpenedExec;
  try {
    opened = await ssh.openExec(line, never);
  } catch (error) {
    if (error instanceof NodeError) throw new UnixSocketError(path, ssh.label, `${directFailure === undefined ? '' : `direct connect failed (${directFailure}); `}sudo socat could not start: ${error.message}`);
    throw error;
  }
  const { channel, exit, release } = opened;
  // The bridge holds a session channel for as long as the socket is open.
  channel.on('close', release);
  // ssh2 emits 'close' only after the stdout side was read to its end: keep it flowing when we let go.
  const letGo = (): void => {
    channel.resume();
    channel.close();
  };
  // Reading through a wrapper keeps the channel flowing, so 'close' (and the slot release) always comes.
  const stream = joinStreams(channel, channel, letGo);
  return awaitSocatBridge(
    {
      stream,
      stderr: channel.stderr,
      onExit: (callback) => exit.onExit(() => callback(exit.code ?? null, exit.signal ?? null)),
      kill: letGo,
    },
    path,
    ssh.label,
    directFailure,
  ).then((bridge) => {
    channel.stderr.resume();
    return bridge;
  });
}
