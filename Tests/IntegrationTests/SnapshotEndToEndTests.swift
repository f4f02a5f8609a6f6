import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// Snapshots of the tiny guest under QEMU: saved while running (disks and memory) and
    /// restored with the guest still running and reachable on NIC1 (SSH) and NIC2 (the
    /// environment switch's .1); saved halted (disks only); push/pop; delete frees the space;
    /// destroy leaves nothing; Vagrant's refusals.
    @Suite struct SnapshotEndToEndTests {
        @Test func saveRestorePushPopDelete() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.disk :disk, name: "data", size: "32MB"
                    end
                    """)
            #expect(try project.boxer(["up"]).status == 0)
            func file() throws -> String { try project.boxer(["ssh", "-c", "cat ~/f"]).output }
            #expect(try project.boxer(["ssh", "-c", "echo one > ~/f; sync"]).status == 0)
            let save = try project.boxer(["snapshot", "save", "s1"])
            #expect(
                save.status == 0 && save.output.contains("==> default: Snapshotting the machine as 's1'..."), "\(save.output)\(save.error)")
            #expect(try project.boxer(["ssh", "-c", "echo two > ~/f; sync"]).status == 0)

            // Restored into the running guest: the old content, still running, both NICs answering.
            let restore = try project.boxer(["snapshot", "restore", "s1"])
            #expect(restore.status == 0, "\(restore.error)")
            #expect(try file() == "one\n")
            let status = try project.boxer(["status", "--machine-readable"])
            #expect(status.output.contains(",default,state,running"))
            #expect(try project.boxer(["status"]).output.contains("It has 1 snapshot: `boxer snapshot list` names them."))
            let subnet = try #require(
                try project.boxer(["ssh", "-c", "ip -4 -o addr show | grep -o '192\\.168\\.[0-9]*\\.'"]).output.split(separator: "\n").first
            )
            #expect(try project.boxer(["ssh", "-c", "sudo ping -c1 -W5 \(subnet)1 >/dev/null && echo nic2"]).output == "nic2\n")

            // Push/pop: back to what was pushed, and the pushed snapshot is gone.
            #expect(try project.boxer(["snapshot", "push"]).status == 0)
            #expect(try project.boxer(["ssh", "-c", "echo three > ~/f; sync"]).status == 0)
            #expect(try project.boxer(["snapshot", "pop"]).status == 0)
            #expect(try file() == "one\n")
            #expect(try project.boxer(["snapshot", "list"]).output.split(separator: "\n").filter { $0.hasPrefix("push_") }.isEmpty)

            // Halted: a disk-only snapshot, restored and booted; a memory one resumed from off.
            // (The tiny guest's root is in RAM: what must survive a boot goes on the data disk,
            // found by its serial.)
            let dataDisk = "$(dirname $(grep -l '^data$' /sys/block/vd*/serial) | sed 's|/sys/block|/dev|')"
            func writeDisk(_ text: String) throws {
                #expect(
                    try project.boxer(["ssh", "-c", "printf \(text) | sudo dd of=\(dataDisk) conv=notrunc 2>/dev/null; sync"]).status == 0)
            }
            func readDisk() throws -> String { try project.boxer(["ssh", "-c", "sudo head -c 5 \(dataDisk)"]).output }
            try writeDisk("AAAAA")
            #expect(try project.boxer(["halt"]).status == 0)
            #expect(try project.boxer(["snapshot", "save", "off"]).status == 0)
            let disk = project.root.appendingPathComponent(".vagrant/machines/default/qemu/disk.qcow2").path
            let table = try ProgramRun.run("qemu-img", ["snapshot", "-l", disk]).output
            #expect(table.contains(" s1 ") && table.contains(" off "), "\(table)")
            let dataTable = try ProgramRun.run(
                "qemu-img", ["snapshot", "-l", project.root.appendingPathComponent(".vagrant/machines/default/qemu/disk-data.qcow2").path]
            ).output
            #expect(dataTable.contains(" off "), "the data disk is in the snapshot too: \(dataTable)")
            let resumed = try project.boxer(["snapshot", "restore", "s1"])
            #expect(resumed.status == 0, "\(resumed.error)")
            #expect(try file() == "one\n", "a halted machine resumes from a snapshot with memory")
            try writeDisk("BBBBB")
            #expect(try readDisk() == "BBBBB")
            #expect(try project.boxer(["snapshot", "restore", "off"]).status == 0)
            #expect(try readDisk() == "AAAAA", "the disks as they were when halted, booted again")

            // Delete frees the space the memory took; Vagrant's refusals.
            func allocated() throws -> Int64 {
                let info = try ProgramRun.run("qemu-img", ["info", "-U", "--output=json", disk]).output
                let object = try #require(try JSONSerialization.jsonObject(with: Data(info.utf8)) as? [String: Any])
                return (object["actual-size"] as? NSNumber)?.int64Value ?? 0
            }
            let before = try allocated()
            #expect(try project.boxer(["snapshot", "delete", "s1"]).status == 0)
            let after = try allocated()
            #expect(after < before - (16 << 20), "the snapshot's memory is freed: \(before) → \(after)")
            let missing = try project.boxer(["snapshot", "restore", "nope"])
            #expect(
                missing.status == 1 && missing.error.contains("The snapshot name `nope` was not found for the virtual machine `default`."))
            let twice = try project.boxer(["snapshot", "save", "off"])
            #expect(twice.status == 1 && twice.error.contains("You must include the `--force` option to replace an existing snapshot."))
            #expect(try project.boxer(["snapshot", "save", "--force", "off"]).status == 0)

            #expect(try project.boxer(["destroy", "-f"]).status == 0)
            #expect(!FileManager.default.fileExists(atPath: project.root.appendingPathComponent(".vagrant/machines/default/qemu").path))
            #expect(project.qemuPIDs.isEmpty)
        }

        /// boxer killed (SIGKILL) while it saves a snapshot, running and halted: the machine
        /// stays usable, and the snapshot is there whole or not at all (QEMU writes its table
        /// last), its disks consistent (`qemu-img check`).
        @Test func killedWhileSavingLeavesTheMachineUsable() throws {
            let project = try MachineProject(vagrantfile: "Vagrant.configure(\"2\") { |c| c.vm.box = \"boxer/tiny\" }")
            #expect(try project.boxer(["up"]).status == 0)
            let disk = project.root.appendingPathComponent(".vagrant/machines/default/qemu/disk.qcow2").path
            for (round, delay) in [(1, 0.05), (2, 0.3)] {
                let save = try project.startBoxer(["snapshot", "save", "k\(round)"])
                Thread.sleep(forTimeInterval: delay)
                kill(save.processIdentifier, SIGKILL)
                save.waitUntilExit()
                Thread.sleep(forTimeInterval: 1)
                #expect(try project.boxer(["ssh", "-c", "echo alive"]).output == "alive\n", "the guest still runs after round \(round)")
                let names = try project.boxer(["snapshot", "list"]).output
                if names.contains("k\(round)") {
                    #expect(try project.boxer(["snapshot", "delete", "k\(round)"]).status == 0, "a whole snapshot, usable")
                }
            }
            #expect(try project.boxer(["halt"]).status == 0)
            let save = try project.startBoxer(["snapshot", "save", "halted"])
            Thread.sleep(forTimeInterval: 0.02)
            kill(save.processIdentifier, SIGKILL)
            save.waitUntilExit()
            let check = try ProgramRun.run("qemu-img", ["check", disk])
            #expect(check.status == 0, "\(check.output)\(check.error)")
            #expect(try project.boxer(["up"]).status == 0, "the machine boots again")
            #expect(try project.boxer(["snapshot", "save", "--force", "halted"]).status == 0)
        }
    }
}
