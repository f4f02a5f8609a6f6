import Foundation
import Providers

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

    /// The box's info.json (`box list -i` shows it): what built it, and the minimums a machine made
    /// from it needs, which boxer serve gives its images (`IMAGE-NAME-OS_TYPE-CPU-MEM-DISK`, with
    /// VirtualBox's OS type names).
    static func info(_ machine: Machine) -> Data {
        let object: [String: Any] = [
            "built_by": "boxer build", "template": machine.template.name,
            "minimums": [
                "os_type": OVFDescriptor.osType(newVM(machine)).type, "cpus": machine.template.minimumCPUs,
                "memory_mib": machine.template.minimumMemoryMiB, "disk_gib": Int((machine.diskBytes + (1 << 30) - 1) >> 30),
            ],
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data()
    }

    /// The machine as the providers' descriptor writers take it.
    static func newVM(_ machine: Machine) -> NewVM {
        NewVM(
            name: machine.name, osFamily: machine.template.osFamily, osRelease: machine.template.osRelease,
            arm64: machine.template.architecture == .arm64,
            efi: machine.template.firmware == .efi, cpus: machine.template.minimumCPUs, memoryMiB: machine.template.minimumMemoryMiB,
            diskBytes: machine.diskBytes, description: machine.template.description)
    }

    /// The Vagrantfile a VirtualBox box carries: the MAC its OVF gives NIC1.
    static func virtualBoxVagrantfile(baseMAC: String) -> String {
        """
        # Written by boxer build: VirtualBox imports the box with this MAC on NIC1.
        Vagrant.configure("2") do |config|
          config.vm.base_mac = "\(baseMAC)"
        end

        """
    }

    /// The Vagrantfile lines an amd64 UEFI box starts with: boxer's QEMU provider boots BIOS
    /// unless told (arm64 boots UEFI always; VirtualBox, VMware and Parallels read the firmware
    /// from the box's descriptor).
    static let uefiVagrantfile = """
        # Written by boxer build: this box boots UEFI.
        Vagrant.configure("2") do |config|
          config.vm.provider "qemu" do |qemu|
            qemu.firmware = "uefi"
          end
        end

        """
}
