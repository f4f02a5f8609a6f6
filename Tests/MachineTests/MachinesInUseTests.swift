import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `MachineFolder.anyInUse`, which lets `status` answer "not created" without asking a provider:
/// only when nothing boxer made is there, never for a machine that may exist.
@Suite struct MachinesInUseTests {
    static func project() throws -> (TemporaryFolder, String) {
        let folder = try TemporaryFolder("boxer-in-use")
        return (folder, folder.url.path)
    }

    @Test func foldersThatVagrantMadeAreNotMachines() throws {
        let (folder, root) = try Self.project()
        #expect(!MachineFolder.anyInUse(inProject: root), "no .vagrant at all")
        // What `vagrant status` leaves: a folder per machine and provider, nothing in them.
        _ = try folder.folder(".vagrant/machines/web/libvirt")
        _ = try folder.folder(".vagrant/machines/db/libvirt")
        #expect(!MachineFolder.anyInUse(inProject: root))
    }

    @Test func anIDOfAnyFormOrAQEMUPidfileIsAMachine() throws {
        for file in ["id", "qemu.pid"] {
            let (folder, root) = try Self.project()
            let machine = try folder.folder(".vagrant/machines/web/qemu")
            try Data().write(to: machine.appendingPathComponent(file))
            #expect(MachineFolder.anyInUse(inProject: root), "an empty \(file)")
        }
        let (folder, root) = try Self.project()
        let machine = try folder.folder(".vagrant/machines/web/virtualbox")
        try #require(mkfifo(machine.appendingPathComponent("id").path, 0o600) == 0)
        #expect(MachineFolder.anyInUse(inProject: root), "a FIFO in place of the id")
    }

    @Test(.enabled(if: geteuid() != 0, "root lists any folder, so the refusal cannot be shown as root"))
    func aFolderThatCannotBeListedCountsAsInUse() throws {
        let (folder, root) = try Self.project()
        let machines = try folder.folder(".vagrant/machines/web")
        try #require(chmod(machines.path, 0o100) == 0)
        defer { chmod(machines.path, 0o700) }
        #expect(MachineFolder.anyInUse(inProject: root))
    }
}
