/** Commands inside the guest: `Qemu Guest Exec` (agent or SSH) and CSIT's DpdkUtil over SSH. */
export * from './output';
export { agentExec, GUEST_SHELL } from './agent-exec';
export { GUEST_EXEC_DEFAULTS, GUEST_EXEC_VIAS, checkGuestExecOptions, defaultVia, guestExec, guestNode, vmNodeOf, VM_CONNECT_TIMEOUT_SECONDS, type GuestExecOptions, type GuestExecVia, type GuestTarget } from './guest-command';
export * from './dpdk-util';
