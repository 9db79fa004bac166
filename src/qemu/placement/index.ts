/** CPU placement of NF VMs as CSIT HEAD computes it (CpuUtils.get_affinity_nf), with the inputs read from a node. */
export { CpuPlacementError, CpuTopologyError, type CpuPlacementFailure } from './errors';
export { LSCPU_COMMAND, parseLscpu, cpuTopology, isSmtEnabled, numaNodesOf, nodeCpuList, type CpuTopology, type CpuTopologyEntry, type NodeCpuList } from './topology';
export { chooseNumaNode, nicNumaCommand, parseNicNuma, pciAddress, type NicNumaNode } from './numa';
export { CPU_CNT_MAIN, CPU_CNT_SYSTEM, effectiveNfDtc, placeNf, placeAllNfs, pinnedCpusCsv, type NfPlacement, type NfPlacementRequest } from './affinity';
export { readCpuTopology, readNicNumaNodes, readPlacementInputs, placeNfsOnNode, numaReason, type HostPlacementInputs } from './host';
