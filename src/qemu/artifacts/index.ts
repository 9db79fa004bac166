/** The evidence of VM runs: saved consoles and configurations (`vm-artifacts.ts`), boot timelines. */
export { CAPTURE_HEAD_BYTES, CAPTURE_TAIL_BYTES, captureLines, clipText, splitCaptures, type CapturedFile } from './capture';
export { ARTIFACT_FILES, VmArtifacts, artifactHtml, type VmArtifact } from './vm-artifacts';
export { BootTimeline, reportBoots, timelineFields, timelineHtml, type BootMark } from './timeline';
export { readConsoleFile, vmArtifactNow, type ArtifactSource } from './live';
