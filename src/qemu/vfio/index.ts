/** vfio-pci passthrough: the host-side checks before a VM with `Add Vfio Pci If` NICs starts. */
export { DEFAULT_SYSFS_ROOT, VFIO_PCI_DRIVER, parseVfioCheck, requireVfioUsable, sysfsPciAddress, vfioCheckCommand, vfioProblems, type VfioDeviceState, type VfioGroupMember } from './check';
export { checkVfioDevices } from './node';
