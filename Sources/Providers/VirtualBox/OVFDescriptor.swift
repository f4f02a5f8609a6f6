import Foundation

/// The OVF a VirtualBox box holds (`box.ovf`), as `VBoxManage import` reads it when the
/// provider creates a machine from the box.
public enum OVFDescriptor {
    /// VirtualBox's OS type and the OVF (CIM) operating system id for it.
    public static func osType(_ vm: NewVM) -> (type: String, cim: Int) {
        let arm = vm.arm64
        switch vm.osFamily.lowercased() {
        case "ubuntu": return (arm ? "Ubuntu_arm64" : "Ubuntu_64", 94)
        case "debian": return (arm ? "Debian_arm64" : "Debian_64", 96)
        case "centos", "rhel", "rocky", "almalinux", "fedora": return (arm ? "RedHat_arm64" : "RedHat_64", 80)
        default: return (arm ? "Linux_arm64" : "Linux_64", 101)
        }
    }

    /// An OVF 1.0 envelope for one VM with one streamOptimized disk on a SATA controller and one
    /// NAT network adapter, as `VBoxManage import` reads it.
    /// Over 80 lines because it is the document itself.
    public static func envelope(_ vm: NewVM, disk: String, diskFileBytes: UInt64, baseMAC: String) -> String {
        let (osType, cim) = osType(vm)
        let name = NewVM.xmlEscaped(vm.name)
        let cpus = vm.cpus
        let memory = vm.memoryMiB
        let efi = vm.efi
        return """
            <?xml version="1.0"?>
            <Envelope ovf:version="1.0" xml:lang="en-US" xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:vbox="http://www.virtualbox.org/ovf/machine">
              <References>
                <File ovf:id="file1" ovf:href="\(NewVM.xmlEscaped(disk))" ovf:size="\(diskFileBytes)"/>
              </References>
              <DiskSection>
                <Info>List of the virtual disks used in the package</Info>
                <Disk ovf:capacity="\(vm.diskBytes)" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
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
                      <Adapter slot="0" enabled="true" MACAddress="\(baseMAC)" type="virtio">
                        <NAT/>
                      </Adapter>
                    </Network>
                  </Hardware>
                </vbox:Machine>
              </VirtualSystem>
            </Envelope>

            """
    }
}
