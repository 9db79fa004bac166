#!/usr/bin/env bash
# A private sshd on 127.0.0.1 for the node-layer tests (no systemd). Idempotent.
#
#   bash scripts/sshd.sh start    # install openssh-server/socat/sudo if missing, start, write env.json
#   bash scripts/sshd.sh stop     # stop it and every process of its connections
#   bash scripts/sshd.sh status   # exit 0 when running
#   bash scripts/sshd.sh env      # print env.json (what the tests read)
#
# Environment:
#   QUR_STATE_DIR          state root (default /var/tmp/qemu-utils-remote); this instance lives in <root>/<name>/
#   QUR_SSHD_NAME          instance name (default sshd); tests that kill sshd use their own instance
#   QUR_SSHD_PORT          port (default 2222)
#   QUR_SSHD_PASSWORD_USER the password-auth test user (default qurtest), created if missing, NOPASSWD sudo
#
# Root logs in by key only (the generated RSA PEM client key, the form CSIT topologies carry); the test user
# logs in by password (or the same key). Needs root: it creates the test user and a sudoers.d entry.
set -euo pipefail

STATE_ROOT=${QUR_STATE_DIR:-/var/tmp/qemu-utils-remote}
NAME=${QUR_SSHD_NAME:-sshd}
PORT=${QUR_SSHD_PORT:-2222}
PW_USER=${QUR_SSHD_PASSWORD_USER:-qurtest}
S=$STATE_ROOT/$NAME
PIDFILE=$S/sshd.pid
SUDOERS=/etc/sudoers.d/qemu-utils-remote-test

log() { echo "[sshd.sh $NAME] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

master_pid() {
  [ -s "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  alive "$pid" && grep -q sshd "/proc/$pid/comm" 2>/dev/null && echo "$pid"
}

# Every descendant of a pid (connection processes, the users' shells and commands), deepest last.
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

# A process that has not exited yet (a zombie has, and PID 1 here may be slow to reap it).
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

ensure_packages() {
  local missing=()
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v socat >/dev/null || missing+=(socat)
  command -v sudo >/dev/null || missing+=(sudo)
  command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
      || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
  fi
}

ensure_test_user() {
  id "$PW_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$PW_USER"
  # One password for all instances (they share the account), generated once.
  local pwfile=$STATE_ROOT/test-user-password
  [ -s "$pwfile" ] || (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '+/=' > "$pwfile")
  echo "$PW_USER:$(cat "$pwfile")" | chpasswd
  # CSIT test hosts give the test account NOPASSWD sudo; the socat fallback tests need the same.
  if [ ! -f "$SUDOERS" ] || ! grep -q "^$PW_USER " "$SUDOERS"; then
    echo "$PW_USER ALL=(ALL) NOPASSWD: ALL" > "$SUDOERS.tmp"
    chmod 440 "$SUDOERS.tmp"
    visudo -cqf "$SUDOERS.tmp" && mv "$SUDOERS.tmp" "$SUDOERS"
  fi
}

write_config() {
  cat > "$S/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $S/ssh_host_ed25519_key
PidFile $PIDFILE
AuthorizedKeysFile $S/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication yes
PermitEmptyPasswords no
KbdInteractiveAuthentication no
# Without PAM sshd checks /etc/shadow itself, which is enough for the password user.
UsePAM no
StrictModes no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
StreamLocalBindUnlink yes
MaxSessions 10
MaxStartups 10:30:100
ClientAliveInterval 0
LogLevel VERBOSE
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
}

write_env() {
  local fingerprint hostkey
  fingerprint=$(ssh-keygen -lf "$S/ssh_host_ed25519_key.pub" | awk '{print $2}')
  hostkey=$(awk '{print $1" "$2}' "$S/ssh_host_ed25519_key.pub")
  echo "[127.0.0.1]:$PORT $hostkey" > "$S/known_hosts"
  python3 - "$S/env.json" <<EOF
import json, os, sys
env = {
    "name": "$NAME",
    "host": "127.0.0.1",
    "port": $PORT,
    "stateDir": "$S",
    "pidFile": "$PIDFILE",
    "logFile": "$S/sshd.log",
    "rootUser": "root",
    "keyPath": "$S/client_key",
    "passwordUser": "$PW_USER",
    "password": open("$STATE_ROOT/test-user-password").read().strip(),
    "hostKeyFingerprint": "$fingerprint",
    "knownHostsPath": "$S/known_hosts",
    "maxSessions": 10,
}
# It holds the test user's password: readable by root only.
with open(os.open(sys.argv[1] + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
    json.dump(env, f, indent=2)
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
EOF
}

start() {
  [ "$(id -u)" = 0 ] || die "must run as root (creates the test user, runs sshd on a private port)"
  ensure_packages
  # 711: sshd reads authorized_keys as the logging-in user, so the test user must be able to reach it;
  # nothing in here is listable, and the secrets (client_key, test-user-password) stay 600.
  mkdir -p "$S" && chmod 711 "$S" && chmod go+x "$STATE_ROOT"
  mkdir -p /run/sshd && chmod 755 /run/sshd   # privilege-separation dir; sshd refuses to start without it
  [ -f "$S/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "qur-$NAME-host" -f "$S/ssh_host_ed25519_key"
  # RSA in PEM form, exactly what CSIT topologies put in priv_key.
  [ -f "$S/client_key" ] || ssh-keygen -q -t rsa -b 3072 -m PEM -N '' -C "qur-$NAME-client" -f "$S/client_key"
  # Root and the test user both accept the client key (root by key only, the test user by key or password).
  cp "$S/client_key.pub" "$S/authorized_keys" && chmod 644 "$S/authorized_keys"
  ensure_test_user
  write_config
  /usr/sbin/sshd -t -f "$S/sshd_config" || die "sshd rejected $S/sshd_config"

  local pid
  if pid=$(master_pid); then
    # Running already: make it re-read the config (keys and users may have been regenerated).
    kill -HUP "$pid"
    sleep 0.3
    log "already running (pid $(master_pid || echo "$pid")) on 127.0.0.1:$PORT"
  else
    rm -f "$PIDFILE"
    listening && die "127.0.0.1:$PORT is in use by another process; set QUR_SSHD_PORT"
    /usr/sbin/sshd -f "$S/sshd_config" -E "$S/sshd.log"
    for _ in $(seq 50); do listening && break; sleep 0.1; done
    listening || { tail -n 20 "$S/sshd.log" >&2; die "sshd did not come up on 127.0.0.1:$PORT"; }
    log "started (pid $(master_pid)) on 127.0.0.1:$PORT"
  fi
  write_env
  echo "$S/env.json"
}

stop() {
  local pid victims
  if pid=$(master_pid); then
    victims=$(descendants "$pid")
    kill "$pid" 2>/dev/null || true
    # Connection processes outlive the listener; end them (and their commands) too.
    [ -n "$victims" ] && kill $victims 2>/dev/null || true
    for _ in $(seq 30); do
      alive "$pid" || break
      sleep 0.1
    done
    for victim in $pid $victims; do
      alive "$victim" && kill -KILL "$victim" 2>/dev/null || true
    done
    log "stopped (pid $pid)"
  else
    log "not running"
  fi
  rm -f "$PIDFILE"
}

status() {
  local pid
  if pid=$(master_pid) && listening; then
    echo "running pid=$pid port=$PORT state=$S"
  else
    echo "stopped (state=$S)"
    return 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env)
    status >/dev/null || die "not running; run \`bash scripts/sshd.sh start\`"
    cat "$S/env.json"
    ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
