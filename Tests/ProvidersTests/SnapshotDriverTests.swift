import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import ProviderStandIns
@testable import Providers

/// Snapshots as the VirtualBox, VMware and Parallels drivers take them, against the STAND-INS
/// of their tools (none can be installed here): the calls, the names listed back, a running
/// machine stopped before a restore, and the refusals of a name that is not there.
@Suite struct SnapshotDriverTests {
    /// save s1 (running), save s2, list, restore s1, delete s2, list; then restoring a name
    /// that does not exist fails.
    static func exercise(_ provider: any Provider, _ context: MachineContext) async throws {
        try await provider.saveSnapshot(context, name: "s1")
        try await provider.saveSnapshot(context, name: "s2")
        #expect(try await provider.snapshots(context).map(\.name) == ["s1", "s2"])
        #expect(try await provider.restoreSnapshot(context, name: "s1") == false, "the caller boots it")
        #expect(await provider.state(context) != .running, "stopped for the restore")
        try await provider.deleteSnapshot(context, name: "s2")
        #expect(try await provider.snapshots(context).map(\.name) == ["s1"])
        await #expect(throws: MachineError.self) { _ = try await provider.restoreSnapshot(context, name: "nope") }
    }

    @Test func virtualBox() async throws {
        var web = try VirtualBoxDriverTests.Machine()
        let id = try await web.create()
        try VMwareParallelsDriverTests.seed(&web.context)
        #expect(try await web.provider.snapshots(web.context).isEmpty)
        try await web.provider.start(web.context)
        try await Self.exercise(web.provider, web.context)
        let calls = web.vboxmanage.calls.filter { $0.first == "snapshot" && $0.dropFirst().first == id }
        #expect(calls.contains(["snapshot", id, "take", "s1", "--live"]))
        #expect(calls.contains(["snapshot", id, "restore", "s1"]) && calls.contains(["snapshot", id, "delete", "s2"]))
        #expect(web.vboxmanage.calls.contains(["controlvm", id, "poweroff"]))
        #expect(web.vboxmanage.machine(id)?.state == "saved", "a live snapshot comes back saved; the next start resumes it")
    }

    @Test func vmware() async throws {
        let temporary = try TemporaryFolder("boxer-vmware-snapshots")
        let vmrun = VMRunStandIn()
        let provider = VMwareProvider(home: BoxerHome(root: try temporary.folder("home")), tool: vmrun, hostType: "ws")
        var context = try VMwareParallelsDriverTests.context(temporary, format: "vmware_desktop", provider: provider.name)
        let vmx = try await provider.create(context)
        try context.folder.write("id", vmx)
        try VMwareParallelsDriverTests.seed(&context)
        try await provider.start(context)
        try await Self.exercise(provider, context)
        #expect(vmrun.calls.contains(["-T", "ws", "snapshot", vmx, "s1"]))
        #expect(vmrun.calls.contains(["-T", "ws", "revertToSnapshot", vmx, "s1"]))
        #expect(vmrun.calls.contains(["-T", "ws", "deleteSnapshot", vmx, "s2"]))
    }

    @Test func parallels() async throws {
        let temporary = try TemporaryFolder("boxer-parallels-snapshots")
        let parallels = ParallelsStandIn()
        let provider = ParallelsProvider(
            home: BoxerHome(root: try temporary.folder("home")), prlctl: parallels.prlctl, prlsrvctl: parallels.prlsrvctl)
        var context = try VMwareParallelsDriverTests.context(temporary, format: "parallels", provider: provider.name)
        let id = try await provider.create(context)
        try context.folder.write("id", id)
        try VMwareParallelsDriverTests.seed(&context)
        try await provider.start(context)
        try await Self.exercise(provider, context)
        let calls = parallels.calls.filter { $0.count > 2 && $0[2] == id }
        #expect(calls.contains(["prlctl", "snapshot", id, "--name", "s1"]))
        #expect(calls.contains { $0[1] == "snapshot-switch" } && calls.contains { $0[1] == "snapshot-delete" })
    }
}
