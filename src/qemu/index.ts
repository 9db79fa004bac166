/** The QEMU domain's public surface (the QemuUtils port); `src/library` binds it to Robot keywords. */
export * from './errors';
export * from './checks';
export * from './call';
export { onNodeStep, withStep } from './node-step';
export * from './settings';
export * from './version';
export { QemuOptions, newestFileMatching, qemuOptText, type HostProfile, type OptionValue } from './options';
export * from './params';
export { VppStartupConfig, kernelvmVppStartupConfig } from './vpp-config';
export { testpmdCommandLine, kernelvmTestpmdCommandLine, type TestpmdArgs } from './testpmd';
export { safeSubstitute, substituteAll, unfilledPlaceholders, pythonStr, TemplateStore, TemplateGenerations, ROOT_GENERATION, type TemplateValue } from './template';
export * from './payloads';
export {
  checkHugePages,
  checkHugePagePool,
  readHugePageStatus,
  isHugetlbfsMounted,
  availableHugePages,
  hugePageSizeKb,
  hugePagePoolDir,
  hugePagePoolCommand,
  HUGE_PAGE_SIZES_KB,
  type HugePageStatus,
  type HugePagePool,
  type HugePagePoolCheckOptions,
} from './hugepages';
export * from './placement';
export { SerialLogScanner, waitForKernelvmBoot, waitForNestedvmBoot, processGoneCommand } from './boot';
export { probeKvm, resolveAccelerator, kvmProbeCommand } from './accelerator';
export * from './qemu-utils';
export * from './guest';
export { artifactHtml, BootTimeline, CAPTURE_HEAD_BYTES, CAPTURE_TAIL_BYTES, type VmArtifact } from './artifacts';
export type { JsonObject, JsonValue } from './monitor';
export { NO_SERVER_LOG, SET_LINK_EVENT, WAIT_FOR_EVENT_DEFAULT_TIMEOUT, type EventReply, type ServerEventLog } from './vm-monitor';
