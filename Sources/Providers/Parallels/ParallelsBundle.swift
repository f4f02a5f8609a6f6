import Foundation

/// The `box.pvm` bundle a Parallels box holds: `config.pvs` and the disk's
/// `DiskDescriptor.xml`, as `prlctl register` reads them when the provider imports the box.
public enum ParallelsBundle {
    /// The top snapshot's GUID that Parallels predefines (QEMU's docs/interop/prl-xml.rst).
    public static let topGUID = "{5fbaabe3-6958-40ff-92a7-860e329aab41}"
    public static let diskFolder = "harddisk.hdd"
    public static var imageFile: String { "\(diskFolder).0.\(topGUID).hds" }

    /// Parallels' guest OS number (PrlOses.h: type Linux 0x09, Debian 0x0906, Ubuntu 0x090A,
    /// CentOS 0x090D, other Linux 0x09FF).
    static func osNumber(_ vm: NewVM) -> Int {
        switch vm.osFamily.lowercased() {
        case "debian": return 0x0906
        case "ubuntu": return 0x090A
        case "centos", "rhel", "rocky", "almalinux": return 0x090D
        default: return 0x09FF
        }
    }

    /// A version-1.0 disk descriptor for one expanding image (`qemu-img convert -O parallels`,
    /// 1 MiB clusters), no snapshots: Disk_size in sectors = cylinders × 16 heads × 32 sectors.
    public static func diskDescriptor(diskBytes: UInt64, uid: UUID) -> String {
        let sectors = diskBytes / 512
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <Parallels_disk_image Version="1.0">
              <Disk_Parameters>
                <Disk_size>\(sectors)</Disk_size>
                <Cylinders>\(sectors / 512)</Cylinders>
                <PhysicalSectorSize>512</PhysicalSectorSize>
                <Heads>16</Heads>
                <Sectors>32</Sectors>
                <Padding>0</Padding>
                <UID>{\(uid.uuidString.lowercased())}</UID>
                <Name>harddisk</Name>
                <Miscellaneous>
                  <CompatLevel>level2</CompatLevel>
                  <Bootable>1</Bootable>
                  <SuspendState>0</SuspendState>
                </Miscellaneous>
              </Disk_Parameters>
              <StorageData>
                <Storage>
                  <Start>0</Start>
                  <End>\(sectors)</End>
                  <Blocksize>2048</Blocksize>
                  <Image>
                    <GUID>\(topGUID)</GUID>
                    <Type>Compressed</Type>
                    <File>\(imageFile)</File>
                  </Image>
                </Storage>
              </StorageData>
              <Snapshots>
                <Shot>
                  <GUID>\(topGUID)</GUID>
                  <ParentGUID>{00000000-0000-0000-0000-000000000000}</ParentGUID>
                </Shot>
              </Snapshots>
            </Parallels_disk_image>

            """
    }

    /// `box.pvm/config.pvs` for one VM: the disk, one shared-network adapter with Parallels' OUI
    /// (00:1C:42), EFI when the template says so. Parallels fills in every setting left out
    /// when it registers the VM (`prlctl register`, which vagrant-parallels runs on import).
    public static func config(_ vm: NewVM, vmUUID: UUID, diskUUID: UUID, mac: String) -> String {
        let efi = vm.efi ? 1 : 0
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <ParallelsVirtualMachine schemaVersion="1.0" dyn_lists="VirtualAppliance 0">
              <Identification dyn_lists="">
                <VmUuid>{\(vmUUID.uuidString.lowercased())}</VmUuid>
                <VmName>\(NewVM.xmlEscaped(vm.name))</VmName>
              </Identification>
              <Settings dyn_lists="">
                <General dyn_lists="">
                  <OsType>9</OsType>
                  <OsNumber>\(osNumber(vm))</OsNumber>
                  <VmDescription>\(NewVM.xmlEscaped(vm.description ?? ""))</VmDescription>
                  <IsTemplate>0</IsTemplate>
                </General>
                <Startup dyn_lists="">
                  <BootingOrder dyn_lists="BootDevice 1">
                    <BootDevice id="0" dyn_lists="">
                      <Index>0</Index>
                      <Type>5</Type>
                      <BootingNumber>0</BootingNumber>
                      <InUse>1</InUse>
                    </BootDevice>
                  </BootingOrder>
                  <Bios dyn_lists="">
                    <EfiEnabled>\(efi)</EfiEnabled>
                  </Bios>
                </Startup>
              </Settings>
              <Hardware dyn_lists="Fdd 0 CdRom 0 Hdd 1 Serial 0 Parallel 0 Printer 0 NetworkAdapter 1 Sound 0 USB 0 PciVideoAdapter 0 GenericDevice 0 GenericPciDevice 0 GenericScsiDevice 0">
                <Cpu dyn_lists="">
                  <Number>\(vm.cpus)</Number>
                </Cpu>
                <Memory dyn_lists="">
                  <RAM>\(vm.memoryMiB)</RAM>
                </Memory>
                <Hdd id="0" dyn_lists="Partition 0">
                  <Uuid>{\(diskUUID.uuidString.lowercased())}</Uuid>
                  <Index>0</Index>
                  <Enabled>1</Enabled>
                  <Connected>1</Connected>
                  <EmulatedType>1</EmulatedType>
                  <SystemName>\(diskFolder)</SystemName>
                  <UserFriendlyName>\(diskFolder)</UserFriendlyName>
                  <InterfaceType>2</InterfaceType>
                  <StackIndex>0</StackIndex>
                  <DiskType>1</DiskType>
                  <Size>\(vm.diskBytes >> 20)</Size>
                  <Splitted>0</Splitted>
                </Hdd>
                <NetworkAdapter id="0" dyn_lists="NetAddress DnsIPAddress SearchDomain">
                  <Index>0</Index>
                  <Enabled>1</Enabled>
                  <Connected>1</Connected>
                  <EmulatedType>1</EmulatedType>
                  <AdapterType>3</AdapterType>
                  <MAC>\(mac)</MAC>
                </NetworkAdapter>
              </Hardware>
            </ParallelsVirtualMachine>

            """
    }
}
