import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import Providers

/// Issue 14's findings on state boxer reads back from disk, at the level of the pieces that
/// read it: ids, runtime paths, keys, console logs, the shared folders in /tmp and the ports.
@Suite struct StateFileTests {
    static let uuid = "0f3c9a52-6d1e-4b7a-9c2e-5a8d7f6e1b20"

    /// Finding 1: `runtimeFolder("../../docs")` was `$BOXER_HOME/run/../../docs`, which destroy
    /// removed. Only a lower-case UUID makes a path now.
    @Test(arguments: ["../../docs", "..", "../..", "/etc", "0F3C9A52-6D1E-4B7A-9C2E-5A8D7F6E1B20", "", "a/b", uuid + "/.."])
    func qemuRuntimePathsComeOnlyFromUUIDs(_ id: String) throws {
        let folder = try TemporaryFolder("boxer-ids")
        let provider = QEMUProvider(home: BoxerHome(root: folder.url))
        #expect(provider.runtimeFolder(id) == nil)
        #expect(provider.checkID(id, folder: MachineFolder(projectRoot: folder.url.path, machineName: "a", provider: "qemu")) != nil)
    }

    @Test func qemuAcceptsItsOwnIDs() throws {
        let folder = try TemporaryFolder("boxer-ids")
        let home = BoxerHome(root: folder.url)
        let provider = QEMUProvider(home: home)
        #expect(provider.runtimeFolder(Self.uuid) == home.path + "/run/" + Self.uuid)
        #expect(provider.checkID(Self.uuid, folder: MachineFolder(projectRoot: "/p", machineName: "a", provider: "qemu")) == nil)
    }

    /// VMware's ids are .vmx paths: only the machine's own `vm/<name>.vmx` is accepted, so vmrun
    /// never starts or deletes another VM named by a crafted id.
    @Test func vmwareIDsStayInTheMachinesFolder() throws {
        let folder = MachineFolder(projectRoot: "/p", machineName: "web", provider: "vmware_desktop")
        let provider = VMwareProvider(home: BoxerHome(root: URL(fileURLWithPath: "/h")))
        #expect(provider.checkID("/p/.vagrant/machines/web/vmware_desktop/vm/web.vmx", folder: folder) == nil)
        for id in [
            "/p/.vagrant/machines/web/vmware_desktop/vm/../../../../../other/x.vmx", "/home/me/VMs/work/work.vmx",
            "/p/.vagrant/machines/web/vmware_desktop/vm/web.vmx.lck", "/p/.vagrant/machines/web/vmware_desktop/vm/.vmx",
        ] {
            #expect(provider.checkID(id, folder: folder) != nil, "\(id)")
        }
    }

    /// Finding 2: an empty, binary or oversized id read as "not created". It is unreadable now
    /// (with the reason), a FIFO in its place answers at once, and only no file is "absent".
    @Test func idFilesAreReadAsWhatTheyAre() throws {
        let folder = try TemporaryFolder("boxer-ids")
        let path = folder.path("id").path
        #expect(MachineIDForm.read(path) == .absent)
        let cases: [(Data, String)] = [
            (Data(), "it is empty"), (Data(" \n".utf8), "it is empty"),
            (Data([0x30, 0x00, 0x01, 0x7f]), "control characters"),
            (Data(repeating: 0x61, count: MachineIDForm.fileLimit + 1), "larger than"),
            (Data([0xff, 0xfe, 0x41]), "not UTF-8"),
        ]
        for (content, reason) in cases {
            try content.write(to: URL(fileURLWithPath: path))
            guard case .unreadable(let said) = MachineIDForm.read(path) else {
                Issue.record("\(content.prefix(8) as NSData) read as an id")
                continue
            }
            #expect(said.contains(reason), "\(said)")
        }
        try Data((Self.uuid + "\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect(MachineIDForm.read(path) == .present(Self.uuid))
        unlink(path)
        #expect(mkfifo(path, 0o600) == 0)
        #expect(MachineIDForm.read(path) == .unreadable(reason: "not a regular file"))
    }

    /// Finding 8: a BOXER_HOME of about 75 characters put NIC2's socket past the 107-byte limit
    /// and QEMU died at boot. Every socket path fits, however long the home.
    @Test(arguments: [20, 75, 150, 400])
    func socketPathsFitWhateverTheHomeLength(_ length: Int) throws {
        let home = BoxerHome(root: URL(fileURLWithPath: "/h" + String(repeating: "x", count: length)))
        #expect(home.runtime.utf8.count <= BoxerHome.longestRuntimePath)
        let qmp = try #require(QEMUProvider(home: home).runtimeFolder(Self.uuid)) + "/qmp.sock"
        #expect(qmp.utf8.count <= 107, "\(qmp)")
        let network = EnvironmentNetwork(home: home, project: "/p", executable: "/bin/false")
        let socket = network.attachment(subnet: 254, mac: "52:54:00:ab:cd:ef").endpoint
        #expect(socket.utf8.count <= 107, "\(socket)")
        if length > 50 {
            #expect(home.runtime.hasPrefix(BoxerHome.userRuntimeFolder + "/"), "the per-user folder in /tmp")
        }
    }

    /// Finding 11: the long-path fallback in /tmp was used without checking its owner. A folder
    /// that is a link, or open to others, is refused with what to do.
    @Test func sharedFallbackFolderMustBeThisUsersAlone() throws {
        let folder = try TemporaryFolder("boxer-owned")
        let fresh = folder.path("fresh").path
        try PrivateFiles.ownedFolder(fresh)
        #expect(try FileManager.default.attributesOfItem(atPath: fresh)[.posixPermissions] as? Int == 0o700)
        try PrivateFiles.ownedFolder(fresh)

        // This user's, but open to others (an older boxer's): closed, not refused.
        let open = folder.path("open").path
        #expect(mkdir(open, 0o777) == 0)
        chmod(open, 0o777)
        try PrivateFiles.ownedFolder(open)
        #expect(try FileManager.default.attributesOfItem(atPath: open)[.posixPermissions] as? Int == 0o700)

        // Another user's folder in the shared place is never used (the tests run as root, which
        // can give a folder away; elsewhere the check is skipped).
        if getuid() == 0 {
            let foreign = folder.path("foreign").path
            #expect(mkdir(foreign, 0o700) == 0)
            #expect(chown(foreign, 65534, 65534) == 0)
            do {
                try PrivateFiles.ownedFolder(foreign)
                Issue.record("another user's folder was accepted")
            } catch {
                #expect(error.reason.contains("belongs to user 65534"), "\(error)")
            }
        }

        let link = folder.path("link").path
        #expect(symlink(fresh, link) == 0)
        do {
            try PrivateFiles.ownedFolder(link)
            Issue.record("a link was accepted")
        } catch {
            #expect(error.reason.contains("not a folder"), "\(error)")
        }
    }

    /// Finding 14: a serial console writes "\r\n", which Swift holds as one Character, so the
    /// tail printed the whole 64 KiB.
    @Test func consoleTailEndsLinesAtCarriageReturnLineFeed() throws {
        let folder = try TemporaryFolder("boxer-console")
        let path = folder.path("console.log").path
        let text = (1...5000).map { "[    \($0).000000] kernel line \($0)" }.joined(separator: "\r\n") + "\r\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let tail = MachineRecords.tail(of: path, lines: 15)
        let lines = tail.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 15)
        #expect(lines.dropLast().last?.hasSuffix("kernel line 5000") == true, "\(tail)")
        #expect(!tail.contains("\r"))
        unlink(path)
        #expect(mkfifo(path, 0o600) == 0)
        #expect(MachineRecords.tail(of: path, lines: 15) == "(no console output)", "a FIFO is not waited on")
    }

    /// Finding 13: a corrupt private key made `up` wait out boot_timeout and `ssh` say only
    /// "Permission denied". It is named at once.
    @Test func damagedMachineKeyIsNamed() async throws {
        let temporary = try TemporaryFolder("boxer-keys")
        let folder = MachineFolder(projectRoot: temporary.url.path, machineName: "web", provider: "qemu")
        _ = try await MachineKeys.ensure(in: folder)
        try MachineKeys.check(folder)
        let whole = try String(contentsOfFile: folder.privateKey, encoding: .utf8)
        for damaged in [
            "garbage", String(whole.prefix(whole.count / 2)),
            whole.replacingOccurrences(of: "b3BlbnNzaC1rZXktdjE", with: "QUFBQUFBQUFBQUFBQUF"),
        ] {
            try Data(damaged.utf8).write(to: URL(fileURLWithPath: folder.privateKey))
            do {
                try MachineKeys.check(folder)
                Issue.record("a damaged key passed: \(damaged.prefix(40))")
            } catch {
                #expect(error.message.contains(folder.privateKey), "\(error)")
                #expect(error.message.contains("damaged private key"), "\(error)")
            }
        }
    }

    /// Finding 9: homes had a port lock each, so three projects in three homes all chose 2201.
    /// Every home of this user shares one lock, and a port taken between the choice and the
    /// bind is retried for forwards with auto_correct.
    @Test func portsAreChosenUnderOneLockAndRetried() async throws {
        let first = PortAllocator(home: BoxerHome(root: URL(fileURLWithPath: "/tmp/a")))
        let second = PortAllocator(home: BoxerHome(root: URL(fileURLWithPath: "/var/tmp/b" + String(repeating: "z", count: 90))))
        #expect(first.lockFile == second.lockFile)
        #expect(first.lockFile.hasPrefix(BoxerHome.userRuntimeFolder + "/"))

        let machine = try #require(
            try VagrantfileLoader.evaluate(
                source: """
                    Vagrant.configure("2") do |config|
                      config.vm.usable_port_range = 46200..46240
                      config.vm.network "forwarded_port", guest: 22, host: 46200, id: "ssh", auto_correct: true
                    end
                    """
            ).machines.first)
        let tries = Attempts()
        let used = try await first.withPorts(for: machine) { forwards in
            if tries.record(forwards[0].host) == 1 { throw MachineError(.portInUse, "QEMU could not forward a port: taken") }
            return forwards[0].host
        }
        #expect(tries.ports.count == 2, "retried once")
        #expect(tries.ports.first != used, "the port found taken is not chosen again")
        #expect((46200...46240).contains(used))
    }
}

/// The host ports a test's body was given, one per start.
final class Attempts: @unchecked Sendable {
    private let lock = NSLock()
    private var given: [Int] = []
    var ports: [Int] { lock.withLock { given } }
    /// Records a start's port; returns which start this is (1, 2, …).
    func record(_ port: Int) -> Int {
        lock.withLock {
            given.append(port)
            return given.count
        }
    }
}
