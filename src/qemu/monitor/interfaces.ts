/**
 * Naming the VM's NICs the way the guest names them, matched by MAC (the original `_update_vm_interfaces`).
 */

/** What a VM-info `interfaces` entry needs for matching; other keys (`socket`, ...) are carried over. */
export interface VmInterfaceEntry {
  mac_address?: string;
  name?: string;
}

/** What the guest agent reports per interface (see `QgaClient.networkGetInterfaces`). */
export interface GuestInterfaceIdentity {
  name: string;
  hardwareAddress?: string;
}

export interface InterfaceMapping<T extends VmInterfaceEntry> {
  /** A copy of the input with `name` set on every entry whose MAC the guest reported. */
  interfaces: Record<string, T>;
  /** Keys of entries whose MAC the guest did not report (the original only traced these). */
  unmatched: string[];
}

/**
 * Returns a copy of `vmInterfaces` with each entry's `name` set to the guest's name for its `mac_address`.
 * Like the original, guest interfaces without a hardware address are ignored, a MAC the guest lists twice
 * takes the last name, and entries without a match keep their old `name`. Unlike the original, MACs compare
 * case-insensitively (QEMU takes upper-case MACs on its command line; the guest reports lower case).
 * An empty guest list is the caller's error to raise ('Get VM interface list failed on <host>').
 */
export function mapInterfaceNamesByMac<T extends VmInterfaceEntry>(
  vmInterfaces: Readonly<Record<string, T>>,
  guestInterfaces: readonly GuestInterfaceIdentity[],
): InterfaceMapping<T> {
  const nameByMac = new Map<string, string>();
  for (const guest of guestInterfaces) {
    if (guest.hardwareAddress !== undefined) nameByMac.set(guest.hardwareAddress.toLowerCase(), guest.name);
  }
  const interfaces: Record<string, T> = {};
  const unmatched: string[] = [];
  for (const [key, entry] of Object.entries(vmInterfaces)) {
    const name = entry.mac_address === undefined ? undefined : nameByMac.get(entry.mac_address.toLowerCase());
    if (name === undefined) {
      interfaces[key] = { ...entry };
      unmatched.push(key);
    } else {
      interfaces[key] = { ...entry, name };
    }
  }
  return { interfaces, unmatched };
}
