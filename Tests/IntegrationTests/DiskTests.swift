import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// `config.vm.disk` under QEMU: the primary disk grown, named data disks attached with their
    /// names as serials (`/dev/disk/by-id/virtio-<name>` where the guest has udev), all removed
    /// with the machine; sizes and files that cannot work refused before anything is made.
    @Suite struct DiskTests {
        @Test func primaryGrownAndNamedDataDisks() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.disk :disk, size: "2GB", primary: true
                      config.vm.disk :disk, name: "data1", size: "64MB"
                      config.vm.disk :disk, name: "scratch", size: "32MB"
                    end
                    """)
            let up = try project.boxer(["up"])
            #expect(up.status == 0, "up failed:\n\(up.output)\n\(up.error)")
            #expect(up.error.contains("this guest has no cloud-init to grow its partition"), "the tiny box has no cloud-init")
            // Sizes in 512-byte sectors: the box disk (24 MiB) grown to 2 GiB, then the data disks by name.
            let disks = try project.boxer([
                "ssh", "-c", "for d in /sys/block/vd*; do echo $(basename $d) $(cat $d/size) $(cat $d/serial 2>/dev/null); done",
            ])
            let lines = disks.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(lines.first == "vda 4194304", "\(disks.output)")
            #expect(lines.contains("vdc 131072 data1") && lines.contains("vdd 65536 scratch"), "\(disks.output)")
            let folder = project.root.appendingPathComponent(".vagrant/machines/default/qemu")
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("disk-data1.qcow2").path))
            #expect(try project.boxer(["destroy", "-f"]).status == 0)
            #expect(
                !FileManager.default.fileExists(atPath: folder.appendingPathComponent("disk-data1.qcow2").path), "removed with the machine")
        }

        /// Vagrant's own checks, in its words and with the line (Vagrant 2.3.4 applies them only
        /// with VAGRANT_EXPERIMENTAL=disks; boxer always makes disks, so `up` refuses them), and
        /// the box's size, which only `up` knows.
        @Test func disksThatCannotWorkAreRefusedBeforeAnythingIsMade() throws {
            for (disk, message) in [
                (#"config.vm.disk :disk, size: "16MB", primary: true"#, "config.vm.disk of machine 'default': the primary disk"),
                (
                    #"config.vm.disk :dvd, name: "tools", file: "./missing.iso""#,
                    "Vagrantfile:3:13: config.vm.disk: Disk file './missing.iso' for disk 'tools' on machine 'default' does not exist."
                ),
                (
                    #"config.vm.disk :disk, name: "d", size: "1GB"; config.vm.disk :disk, name: "d", size: "2GB""#,
                    "The following disks names are defined multiple times in the disk\nconfiguration for the VM 'default':\n\nd\n"
                ),
                (
                    #"config.vm.disk :disk, name: "d", size: "lots""#,
                    "Vagrantfile:3:13: config.vm.disk: Config option 'size' for disk 'd' on guest 'default' is not an integer"
                ),
                (
                    #"config.vm.disk :disk, name: "data 1", size: "1GB"; config.vm.disk :disk, name: "data_1", size: "1GB""#,
                    "configuration for the VM 'default':\n\ndata_1\n"
                ),
            ] {
                let project = try MachineProject(
                    vagrantfile: "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"boxer/tiny\"\n  \(disk)\nend\n")
                let up = try project.boxer(["up"])
                #expect(up.status == 1)
                #expect(up.error.contains(message), "\(up.error)")
                #expect(project.qemuPIDs.isEmpty)
                #expect(
                    !FileManager.default.fileExists(atPath: project.root.appendingPathComponent(".vagrant/machines/default/qemu/id").path))
            }
        }
    }
}
