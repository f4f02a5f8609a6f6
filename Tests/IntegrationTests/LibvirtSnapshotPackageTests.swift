import BoxArchive
import BoxerSupport
import BoxerTestSupport
import Foundation
import Testing

/// Snapshots and `package` of a machine on a remote libvirt host (test bed host b): internal
/// snapshots with the running machine's memory, restored in place or at the next start, and the
/// host's overlay volume flattened here into a box that boots. The tiny guest keeps files across
/// boots only on its disk's /boot (the rest is an initramfs), so the marker is there. The
/// machine has two ISOs as cdroms: a local one uploaded into the pool and one on the host.
extension MachineSuites {
    @Suite(.enabled(if: LibvirtTestbed.available, "needs root and libvirtd (scripts/bootstrap --deps)"))
    struct LibvirtSnapshotPackageTests {
        @Test func snapshotsAndPackageOnARemoteHost() throws {
            let bed = try LibvirtTestbed()
            defer { bed.down() }
            // Two ISOs: one here (`config.vm.disk :dvd`, uploaded into the pool) and one on the host
            // (vagrant-libvirt's `storage :file, device: :cdrom`: the test bed's hosts share /tmp).
            let isos = try TemporaryFolder("boxer-libvirt-isos")
            let onHost = isos.url.appendingPathComponent("on-host.iso").path
            try ISOImage.write([(name: "hello", contents: Array("from the host\n".utf8))], volume: "HOSTISO", to: onHost)
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |c|
                      c.vm.box = "boxer/tiny"
                      c.vm.disk :dvd, name: "tools", file: "./tools.iso", provider_config: { "libvirt__bus" => "scsi" }
                      c.vm.provider :libvirt do |l|
                        l.uri = "\(bed.uri("b"))"
                        l.memory = 256
                        l.storage :file, device: :cdrom, path: "\(onHost)", bus: "scsi"
                      end
                    end
                    """)
            try ISOImage.write(
                [(name: "hello", contents: Array("from here\n".utf8))], volume: "TOOLS",
                to: project.root.appendingPathComponent("tools.iso").path)
            project.destroysWhenReleased = false
            defer { _ = try? bed.boxer(project, ["destroy", "-f"]) }
            func boxer(_ arguments: [String]) throws -> ProgramRun {
                let run = try bed.boxer(project, arguments)
                #expect(run.status == 0, "boxer \(arguments.joined(separator: " ")): \(run.output.suffix(2000))\(run.error)")
                return run
            }
            func marker() throws -> String {
                try bed.boxer(project, ["ssh", "-c", "cat /boot/marker"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            _ = try boxer(["up", "--provider", "libvirt"])
            let read = try boxer([
                "ssh", "-c",
                "mkdir -p /mnt/iso; for d in /dev/sr0 /dev/sr1; do mount -o ro $d /mnt/iso && cat /mnt/iso/hello; umount /mnt/iso; done",
            ])
            #expect(
                read.output.contains("from here") && read.output.contains("from the host"),
                "both ISOs are cdroms: \(read.output)\(read.error)")
            _ = try boxer(["ssh", "-c", "echo one > /boot/marker && sync"])
            _ = try boxer(["snapshot", "save", "s1"])
            _ = try boxer(["ssh", "-c", "echo two > /boot/marker && sync"])
            #expect(try boxer(["snapshot", "list"]).output.contains("s1"))

            // Into the running machine: memory and disk as they were, the machine running on.
            _ = try boxer(["snapshot", "restore", "s1"])
            #expect(try marker() == "one", "restored in place")
            #expect(try boxer(["status"]).output.contains("running (libvirt on \(bed.address("b")))"))

            // Halted: a disk-only snapshot; restoring s1 then starts the machine from its memory,
            // with NIC2 joined to the environment network again.
            _ = try boxer(["ssh", "-c", "echo three > /boot/marker && sync"])
            _ = try boxer(["halt"])
            _ = try boxer(["snapshot", "save", "s2"])
            let listed = try boxer(["snapshot", "list"]).output
            #expect(
                listed.range(of: "s1")?.lowerBound ?? listed.endIndex < listed.range(of: "s2")?.lowerBound ?? listed.startIndex,
                "oldest first: \(listed)")
            _ = try boxer(["snapshot", "restore", "s1"])
            #expect(try marker() == "one", "started from s1's memory")
            let address = try bed.boxer(project, ["ssh", "-c", "ip -4 -o addr show eth1"]).output
            let network = try #require(address.split(separator: " ").first { $0.hasPrefix("192.168.") }).split(separator: ".").prefix(3)
                .joined(separator: ".")
            #expect(try bed.boxer(project, ["ssh", "-c", "ping -c 1 -W 5 \(network).1"]).status == 0, "NIC2 reaches the switch again")
            _ = try boxer(["snapshot", "delete", "s1"])
            #expect(!(try boxer(["snapshot", "list"]).output.contains("s1")))

            // package: the host's overlay flattened here with the box image; the box boots under
            // the QEMU provider with the machine's disk.
            _ = try boxer(["ssh", "-c", "echo packaged > /boot/marker && sync"])
            let box = project.root.appendingPathComponent("packaged.box").path
            _ = try boxer(["package", "--output", box])
            _ = try boxer(["destroy", "-f"])
            let booted = try MachineProject(
                vagrantfile: "Vagrant.configure(\"2\") do |c|\n  c.vm.box = \"packaged\"\nend\n", boxName: nil)
            booted.destroysWhenReleased = false
            let add = try booted.boxer(["box", "add", "packaged", box])
            #expect(add.status == 0, "\(add.output)\(add.error)")
            let up = try bed.boxer(booted, ["up", "--provider", "qemu"])
            #expect(up.status == 0, "\(up.output.suffix(2000))\(up.error)")
            let packaged = try bed.boxer(booted, ["ssh", "-c", "cat /boot/marker"]).output
            #expect(
                packaged.trimmingCharacters(in: .whitespacesAndNewlines) == "packaged",
                "the packaged box holds the machine's disk: \(packaged)")
            #expect(try bed.boxer(booted, ["destroy", "-f"]).status == 0)

            // A 9p folder cannot be shared from here to a remote host: refused before anything is made.
            try booted.write(
                "Vagrant.configure(\"2\") do |c|\n  c.vm.box = \"packaged\"\n  c.vm.synced_folder \".\", \"/project\", type: \"9p\"\n  c.vm.provider :libvirt do |l|\n    l.uri = \"\(bed.uri("b"))\"\n  end\nend\n",
                to: "Vagrantfile")
            let refused = try bed.boxer(booted, ["up", "--provider", "libvirt"])
            #expect(refused.status != 0 && refused.error.contains("Give that synced folder type: \"rsync\""), "\(refused.error)")
            #expect(try bed.boxer(booted, ["status"]).output.contains("not created"))
            try bed.checkRootNamespace()
        }
    }
}
