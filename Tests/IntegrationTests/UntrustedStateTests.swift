import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Networks
import Testing

/// Issue 14, with the real `boxer` and real QEMU guests: a project folder that carries crafted
/// or damaged machine state, and boxer killed (SIGKILL) at each point where it leaves state
/// half-written.
extension MachineSuites {
    @Suite struct UntrustedStateTests {
        static let single = FaultTests.single

        static func write(_ text: Data, to path: URL) throws {
            try FileManager.default.createDirectory(at: path.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: path)
        }

        /// Finding 1 (critical): with `id` = `../../canary`, `destroy -f` removed a folder beside
        /// `$BOXER_HOME`, and `../..` removed the home. Every command refuses now, naming the
        /// file, and the canaries stay.
        @Test(arguments: ["../../canary", "../..", "../../../canary", "/tmp/../canary"])
        func craftedIDDeletesNothing(_ crafted: String) throws {
            let project = try MachineProject(vagrantfile: Self.single)
            let canary = project.temporary.url.appendingPathComponent("canary")
            try FileManager.default.createDirectory(at: canary, withIntermediateDirectories: true)
            try Data("keep".utf8).write(to: canary.appendingPathComponent("file"))
            let idFile = project.root.appendingPathComponent(".vagrant/machines/default/qemu/id")
            try Self.write(Data(crafted.utf8), to: idFile)
            let homeBefore = TemporaryFolder.tree(project.home)

            for command in [["destroy", "-f"], ["status"], ["up"], ["halt"]] {
                let run = try project.boxer(command)
                #expect(run.status != 0, "\(command) accepted the crafted id")
                #expect(run.error.contains(idFile.path), "\(command): \(run.error)")
                #expect(run.error.contains("not a qemu machine id"), "\(command): \(run.error)")
                #expect(!run.output.contains("Destroying VM"))
            }
            #expect(FileManager.default.fileExists(atPath: canary.appendingPathComponent("file").path), "the canary folder is intact")
            #expect(Set(homeBefore).isSubset(of: Set(TemporaryFolder.tree(project.home))), "nothing in BOXER_HOME was removed")
            #expect(try String(contentsOf: idFile, encoding: .utf8) == crafted, "the id file is left for the user")
            try FileManager.default.removeItem(at: idFile)
        }

        /// Finding 2: an empty, binary or oversized id on a running machine read as "not created":
        /// destroy left QEMU running and freed its network, up re-created the disk under the live
        /// QEMU. The id is now taken back from the QEMU that holds the folder's pidfile.
        @Test func damagedIDOfARunningMachineIsRecoveredFromItsQEMU() throws {
            let project = try MachineProject(vagrantfile: Self.single)
            let up = try project.boxer(["up"])
            try #require(up.status == 0, "\(up.error)")
            let folder = project.root.appendingPathComponent(".vagrant/machines/default/qemu")
            let id = try String(contentsOf: folder.appendingPathComponent("id"), encoding: .utf8)
            let disk =
                try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("disk.qcow2").path)[.systemFileNumber]
                as? Int
            let qemu = project.qemuPIDs
            try #require(qemu.count == 1)

            let damaged: [(String, Data)] = [
                ("empty", Data()), ("binary", Data([0, 1, 2, 0xff, 0x7f])), ("oversized", Data(repeating: 0x61, count: 64 << 10)),
            ]
            for (label, content) in damaged {
                try content.write(to: folder.appendingPathComponent("id"))
                let status = try project.boxer(["status"])
                #expect(status.status == 0, "\(label): \(status.error)")
                #expect(status.output.contains("running (qemu)"), "\(label): \(status.output)")
                #expect(status.error.contains("its hypervisor still runs the machine"), "\(label): \(status.error)")
                #expect(try String(contentsOf: folder.appendingPathComponent("id"), encoding: .utf8) == id, "\(label): written back")
            }
            try Data().write(to: folder.appendingPathComponent("id"))
            let again = try project.boxer(["up"])
            #expect(again.status == 0, "\(again.error)")
            #expect(!again.output.contains("Creating the machine"), "\(again.output)")
            let after =
                try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("disk.qcow2").path)[.systemFileNumber]
                as? Int
            #expect(after == disk, "the disk under the live QEMU was not re-created")
            #expect(project.qemuPIDs == qemu)

            try FileManager.default.removeItem(at: folder.appendingPathComponent("id"))
            let destroy = try project.boxer(["destroy", "-f"])
            #expect(destroy.status == 0, "\(destroy.error)")
            #expect(destroy.output.contains("Destroying VM"), "\(destroy.output)")
            for _ in 0..<50 where kill(qemu[0], 0) == 0 { usleep(100_000) }
            #expect(kill(qemu[0], 0) != 0, "the QEMU was stopped, not orphaned")
            #expect(project.switchPIDs.isEmpty, "and the network went with the last machine")
        }

        /// Finding 12, the create window: killed after the index entry and before the id (or just
        /// after the id), the machine is never created and unlisted.
        @Test func killedDuringCreateLeavesTheIndexRight() throws {
            let project = try MachineProject(vagrantfile: Self.single)
            let beforeID = try project.boxer(["up"], extra: ["BOXER_CRASH_AT": "create-indexed"])
            #expect(beforeID.status == SIGKILL, "killed at the crash point: \(beforeID.status) \(beforeID.error)")
            #expect(try project.boxer(["global-status"]).output.contains("not_created"))
            _ = try project.boxer(["global-status", "--prune"])
            #expect(!(try project.boxer(["global-status"]).output.contains(project.root.path)), "an entry without a machine is pruned")

            let afterID = try project.boxer(["up"], extra: ["BOXER_CRASH_AT": "create-id-written"])
            #expect(afterID.status == SIGKILL)
            let listed = try project.boxer(["global-status", "--prune"])
            #expect(listed.output.contains(project.root.path), "a created machine stays in the index: \(listed.output)")
            let destroy = try project.boxer(["destroy", "-f"])
            #expect(destroy.status == 0, "\(destroy.error)")
            #expect(!(try project.boxer(["global-status"]).output.contains(project.root.path)))
        }

        /// Finding 12, the provisioning and destroy windows: the provisioner's script is in the
        /// machine's folder (not $TMPDIR), and a destroy killed after the last folder went leaves a
        /// network that `global-status --prune` releases.
        @Test func killedDuringProvisioningAndDestroyLeavesNothingBehind() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/tiny"
                      config.vm.provision "shell", inline: "echo provisioned"
                    end
                    """)
            let temporary = try project.temporary.folder("tmpdir")
            let up = try project.boxer(["up"], extra: ["BOXER_CRASH_AT": "provision-script-written", "TMPDIR": temporary.path])
            #expect(up.status == SIGKILL, "\(up.status) \(up.error)")
            #expect(TemporaryFolder.tree(temporary).isEmpty, "nothing left in TMPDIR")
            let script = project.root.appendingPathComponent(".vagrant/machines/default/qemu/provision-script")
            #expect(FileManager.default.fileExists(atPath: script.path), "the script is in the machine's folder")
            #expect(project.switchPIDs.count == 1)

            let destroy = try project.boxer(["destroy", "-f"], extra: ["BOXER_CRASH_AT": "destroy-folder-removed"])
            #expect(destroy.status == SIGKILL, "\(destroy.status) \(destroy.error)")
            #expect(!FileManager.default.fileExists(atPath: script.path))
            #expect(project.qemuPIDs.isEmpty)
            let registry = SubnetRegistry(home: BoxerHome(root: project.home))
            #expect(registry.subnet(for: project.root.path) != nil, "killed before the network was released")
            let prune = try project.boxer(["global-status", "--prune"])
            #expect(prune.status == 0, "\(prune.error)")
            #expect(prune.output.contains("Released 192.168."), "\(prune.output)")
            #expect(registry.subnet(for: project.root.path) == nil)
            #expect(project.switchPIDs.isEmpty)
        }
    }
}
