import Foundation

/// The provider layouts of a box folder, from one customized qcow2 disk: what Vagrant and its
/// provider plugins expect inside the archive (see ../shared notes on the box format).
enum Packaging {
    struct Machine {
        var name: String
        var template: BoxTemplate
        var diskBytes: UInt64
        /// NIC1's MAC for VirtualBox (`config.vm.base_mac`), 12 hex digits.
        var baseMAC: String
    }

    static func metadata(provider: String, extra: [String: Any] = [:], architecture: String) -> Data {
        var object: [String: Any] = ["provider": provider, "architecture": architecture]
        object.merge(extra) { _, new in new }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data()
    }

    // MARK: VirtualBox

    /// VirtualBox's OS type and the OVF (CIM) operating system id for it.
    static func virtualBoxOSType(_ template: BoxTemplate) -> (type: String, cim: Int) {
        let arm = template.architecture == .arm64
        switch template.osFamily.lowercased() {
        case "ubuntu": return (arm ? "Ubuntu_arm64" : "Ubuntu_64", 94)
        case "debian": return (arm ? "Debian_arm64" : "Debian_64", 96)
        case "centos", "rhel", "rocky", "almalinux", "fedora": return (arm ? "RedHat_arm64" : "RedHat_64", 80)
        default: return (arm ? "Linux_arm64" : "Linux_64", 101)
        }
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// An OVF 1.0 envelope for one VM with one streamOptimized disk on a SATA controller and one
    /// NAT network adapter, as `VBoxManage import` reads it.
    static func ovf(_ machine: Machine, disk: String, diskFileBytes: UInt64) -> String {
        let (osType, cim) = virtualBoxOSType(machine.template)
        let name = escape(machine.name)
        let cpus = max(machine.template.minimumCPUs, 1)
        let memory = max(machine.template.minimumMemoryMiB, 512)
        let efi = machine.template.firmware == .efi
        return """
            <?xml version="1.0"?>
            <Envelope ovf:version="1.0" xml:lang="en-US" xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:vbox="http://www.virtualbox.org/ovf/machine">
              <References>
                <File ovf:id="file1" ovf:href="\(escape(disk))" ovf:size="\(diskFileBytes)"/>
              </References>
              <DiskSection>
                <Info>List of the virtual disks used in the package</Info>
                <Disk ovf:capacity="\(machine.diskBytes)" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
              </DiskSection>
              <NetworkSection>
                <Info>Logical networks used in the package</Info>
                <Network ovf:name="NAT">
                  <Description>Logical network used by this appliance.</Description>
                </Network>
              </NetworkSection>
              <VirtualSystem ovf:id="\(name)">
                <Info>A virtual machine</Info>
                <OperatingSystemSection ovf:id="\(cim)">
                  <Info>The kind of installed guest operating system</Info>
                  <Description>\(osType)</Description>
                  <vbox:OSType ovf:required="false">\(osType)</vbox:OSType>
                </OperatingSystemSection>
                <VirtualHardwareSection>
                  <Info>Virtual hardware requirements for a virtual machine</Info>
                  <System>
                    <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
                    <vssd:InstanceID>0</vssd:InstanceID>
                    <vssd:VirtualSystemIdentifier>\(name)</vssd:VirtualSystemIdentifier>
                    <vssd:VirtualSystemType>virtualbox-2.2</vssd:VirtualSystemType>
                  </System>
                  <Item>
                    <rasd:Caption>\(cpus) virtual CPU</rasd:Caption>
                    <rasd:Description>Number of virtual CPUs</rasd:Description>
                    <rasd:ElementName>\(cpus) virtual CPU</rasd:ElementName>
                    <rasd:InstanceID>1</rasd:InstanceID>
                    <rasd:ResourceType>3</rasd:ResourceType>
                    <rasd:VirtualQuantity>\(cpus)</rasd:VirtualQuantity>
                  </Item>
                  <Item>
                    <rasd:AllocationUnits>MegaBytes</rasd:AllocationUnits>
                    <rasd:Caption>\(memory) MB of memory</rasd:Caption>
                    <rasd:Description>Memory Size</rasd:Description>
                    <rasd:ElementName>\(memory) MB of memory</rasd:ElementName>
                    <rasd:InstanceID>2</rasd:InstanceID>
                    <rasd:ResourceType>4</rasd:ResourceType>
                    <rasd:VirtualQuantity>\(memory)</rasd:VirtualQuantity>
                  </Item>
                  <Item>
                    <rasd:Address>0</rasd:Address>
                    <rasd:Caption>sataController0</rasd:Caption>
                    <rasd:Description>SATA Controller</rasd:Description>
                    <rasd:ElementName>sataController0</rasd:ElementName>
                    <rasd:InstanceID>3</rasd:InstanceID>
                    <rasd:ResourceSubType>AHCI</rasd:ResourceSubType>
                    <rasd:ResourceType>20</rasd:ResourceType>
                  </Item>
                  <Item>
                    <rasd:AddressOnParent>0</rasd:AddressOnParent>
                    <rasd:Caption>disk1</rasd:Caption>
                    <rasd:Description>Disk Image</rasd:Description>
                    <rasd:ElementName>disk1</rasd:ElementName>
                    <rasd:HostResource>/disk/vmdisk1</rasd:HostResource>
                    <rasd:InstanceID>4</rasd:InstanceID>
                    <rasd:Parent>3</rasd:Parent>
                    <rasd:ResourceType>17</rasd:ResourceType>
                  </Item>
                  <Item>
                    <rasd:AutomaticAllocation>true</rasd:AutomaticAllocation>
                    <rasd:Caption>Ethernet adapter on 'NAT'</rasd:Caption>
                    <rasd:Connection>NAT</rasd:Connection>
                    <rasd:ElementName>Ethernet adapter on 'NAT'</rasd:ElementName>
                    <rasd:InstanceID>5</rasd:InstanceID>
                    <rasd:ResourceSubType>virtio</rasd:ResourceSubType>
                    <rasd:ResourceType>10</rasd:ResourceType>
                  </Item>
                </VirtualHardwareSection>
                <vbox:Machine ovf:required="false" version="1.16-linux" uuid="{\(UUID().uuidString.lowercased())}" name="\(name)" OSType="\(osType)">
                  <ovf:Info>Complete VirtualBox machine configuration in VirtualBox format</ovf:Info>
                  <Hardware>
                    <Firmware type="\(efi ? "EFI" : "BIOS")"/>
                    <Network>
                      <Adapter slot="0" enabled="true" MACAddress="\(machine.baseMAC)" type="virtio">
                        <NAT/>
                      </Adapter>
                    </Network>
                  </Hardware>
                </vbox:Machine>
              </VirtualSystem>
            </Envelope>

            """
    }

    static func virtualBoxVagrantfile(baseMAC: String) -> String {
        """
        # Written by boxer build: VirtualBox imports the box with this MAC on NIC1.
        Vagrant.configure("2") do |config|
          config.vm.base_mac = "\(baseMAC)"
        end

        """
    }

    // MARK: VMware

    static func vmwareGuestOS(_ template: BoxTemplate) -> String {
        let arm = template.architecture == .arm64
        switch template.osFamily.lowercased() {
        case "ubuntu": return arm ? "arm-ubuntu-64" : "ubuntu-64"
        case "debian": return arm ? "arm-debian\(template.osRelease.prefix { $0.isNumber })-64" : "debian\(template.osRelease.prefix { $0.isNumber })-64"
        case "centos", "rhel", "rocky", "almalinux": return arm ? "arm-rhel9-64" : "centos\(template.osRelease.prefix { $0.isNumber })-64"
        default: return arm ? "arm-other6xlinux-64" : "other6xlinux-64"
        }
    }

    /// A `.vmx` for one VM: the disk on SATA (NVMe on arm64, which has no SATA there), NAT,
    /// UEFI when the template says so (always on arm64).
    static func vmx(_ machine: Machine, disk: String) -> String {
        let arm = machine.template.architecture == .arm64
        let controller = arm ? "nvme0" : "sata0"
        var lines = [
            ".encoding = \"UTF-8\"",
            "config.version = \"8\"",
            "virtualHW.version = \"\(arm ? 20 : 19)\"",
            "displayName = \"\(machine.name)\"",
            "guestOS = \"\(vmwareGuestOS(machine.template))\"",
            "memsize = \"\(max(machine.template.minimumMemoryMiB, 512))\"",
            "numvcpus = \"\(max(machine.template.minimumCPUs, 1))\"",
            "\(controller).present = \"TRUE\"",
            "\(controller):0.present = \"TRUE\"",
            "\(controller):0.fileName = \"\(disk)\"",
            "ethernet0.present = \"TRUE\"",
            "ethernet0.connectionType = \"nat\"",
            "ethernet0.virtualDev = \"\(arm ? "e1000e" : "vmxnet3")\"",
            "ethernet0.addressType = \"generated\"",
            "tools.syncTime = \"TRUE\"",
        ]
        if machine.template.firmware == .efi { lines.append("firmware = \"efi\"") }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Parallels

    /// The top snapshot's GUID that Parallels predefines (QEMU's docs/interop/prl-xml.rst).
    static let parallelsTopGUID = "{5fbaabe3-6958-40ff-92a7-860e329aab41}"
    static let parallelsDiskFolder = "harddisk.hdd"
    static var parallelsImageFile: String { "\(parallelsDiskFolder).0.\(parallelsTopGUID).hds" }

    /// Parallels' guest OS number (PrlOses.h: type Linux 0x09, Debian 0x0906, Ubuntu 0x090A,
    /// CentOS 0x090D, other Linux 0x09FF).
    static func parallelsOSNumber(_ template: BoxTemplate) -> Int {
        switch template.osFamily.lowercased() {
        case "debian": return 0x0906
        case "ubuntu": return 0x090A
        case "centos", "rhel", "rocky", "almalinux": return 0x090D
        default: return 0x09FF
        }
    }

    /// A version-1.0 disk descriptor for one expanding image (`qemu-img convert -O parallels`,
    /// 1 MiB clusters), no snapshots: Disk_size in sectors = cylinders × 16 heads × 32 sectors.
    static func parallelsDiskDescriptor(diskBytes: UInt64, uid: UUID) -> String {
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
                    <GUID>\(parallelsTopGUID)</GUID>
                    <Type>Compressed</Type>
                    <File>\(parallelsImageFile)</File>
                  </Image>
                </Storage>
              </StorageData>
              <Snapshots>
                <Shot>
                  <GUID>\(parallelsTopGUID)</GUID>
                  <ParentGUID>{00000000-0000-0000-0000-000000000000}</ParentGUID>
                </Shot>
              </Snapshots>
            </Parallels_disk_image>

            """
    }

    /// `box.pvm/config.pvs` for one VM: the disk, one shared-network adapter with Parallels' OUI
    /// (00:1C:42), EFI when the template says so. Parallels fills in every setting left out
    /// when it registers the VM (`prlctl register`, which vagrant-parallels runs on import).
    static func parallelsConfig(_ machine: Machine, vmUUID: UUID, diskUUID: UUID, mac: String) -> String {
        let template = machine.template
        let efi = template.firmware == .efi ? 1 : 0
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <ParallelsVirtualMachine schemaVersion="1.0" dyn_lists="VirtualAppliance 0">
              <Identification dyn_lists="">
                <VmUuid>{\(vmUUID.uuidString.lowercased())}</VmUuid>
                <VmName>\(escape(machine.name))</VmName>
              </Identification>
              <Settings dyn_lists="">
                <General dyn_lists="">
                  <OsType>9</OsType>
                  <OsNumber>\(parallelsOSNumber(template))</OsNumber>
                  <VmDescription>\(escape(template.description ?? ""))</VmDescription>
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
                  <Number>\(max(template.minimumCPUs, 1))</Number>
                </Cpu>
                <Memory dyn_lists="">
                  <RAM>\(max(template.minimumMemoryMiB, 512))</RAM>
                </Memory>
                <Hdd id="0" dyn_lists="Partition 0">
                  <Uuid>{\(diskUUID.uuidString.lowercased())}</Uuid>
                  <Index>0</Index>
                  <Enabled>1</Enabled>
                  <Connected>1</Connected>
                  <EmulatedType>1</EmulatedType>
                  <SystemName>\(parallelsDiskFolder)</SystemName>
                  <UserFriendlyName>\(parallelsDiskFolder)</UserFriendlyName>
                  <InterfaceType>2</InterfaceType>
                  <StackIndex>0</StackIndex>
                  <DiskType>1</DiskType>
                  <Size>\(machine.diskBytes >> 20)</Size>
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
