/** CSIT HEAD's guest payloads (csit-head.md §5, §7): generators, boot markers, and the whole payload. */
export { headKernelvmPayload, type HeadGuestFile, type HeadPayload, type HeadPayloadRequest } from './head';
export { CUSTOM_BOOT_BUDGET, customPayload, isCustomVnf, type CustomPayloadParts } from './custom';
export { HEAD_BOOT_MARKERS, headBootMarker, headVnfFamily, type HeadBootMarker, type HeadFixedVnfFamily, type HeadVnfFamily } from './head-boot';
export { HEAD_IPERF3_VNF_BIN, headIperf3Addresses, headIperf3InitValues, type HeadIperf3Addresses } from './head-iperf3';
export { HEAD_MTU_JUMBO, HEAD_MTU_NORMAL, HEAD_TESTPMD_PROGRAM, headTestpmdCommandLine, type HeadTestpmdArgs } from './head-testpmd';
export { headVppFeatures, headVppFiles, headVppStartupConfig, headVppVnfBin, type HeadVppFeatures, type HeadVppStartupArgs } from './head-vpp';
export { writeHeadPayload, type HeadPayloadTarget } from './write';
