import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import ProviderStandIns
@testable import Providers

/// The VMware and Parallels drivers against the vmrun and prlctl/prlsrvctl STAND-INS (neither
/// hypervisor can be installed here): the paths the conformance suite does not take.
@Suite struct VMwareParallelsDriverTests {
    static func context(
        _ temporary: TemporaryFolder, format: String, provider: String, architecture: String = "amd64", name: String = "web",
        vagrantfile: String = "Vagrant.configure(\"2\") { |c| c.vm.box = \"b\" }"
    ) throws -> MachineContext {
        let box = try StandInBoxes.make(format: format, in: try temporary.folder("box-\(architecture)"), architecture: architecture)
        let project = try temporary.folder("project").path
        var machine = try #require(try VagrantfileLoader.evaluate(source: vagrantfile, directory: project).machines.first)
        machine.name = name
        return MachineContext(
            machine: machine, folder: MachineFolder(projectRoot: project, machineName: name, provider: provider), box: box)
    }

    static func seed(_ context: inout MachineContext) throws {
        try FileManager.default.createDirectory(atPath: context.folder.path, withIntermediateDirectories: true)
        let seed = context.folder.file("seed.iso")
        try Data("seed".utf8).write(to: URL(fileURLWithPath: seed))
        context.seed = seed
        context.forwards = [PortForward(id: "ssh", hostIP: "127.0.0.1", host: 2201, guest: 22, proto: "tcp")]
    }

    // MARK: VMware

    @Test func vmwareFusionOnAppleSiliconRebootsOnceForTheSeed() async throws {
        let temporary = try TemporaryFolder("boxer-vmware")
        let vmrun = VMRunStandIn()
        let provider = VMwareProvider(home: BoxerHome(root: try temporary.folder("home")), tool: vmrun, hostType: "fusion")
        var context = try Self.context(
            temporary, format: "vmware_desktop", provider: provider.name, architecture: "arm64",
            vagrantfile: """
                Vagrant.configure("2") do |c|
                  c.vm.box = "b"
                  c.vm.provider "vmware_desktop" do |v|
                    v.vmx["numvcpus"] = "2"
                  end
                end
                """)
        let vmx = try await provider.create(context)
        try context.folder.write("id", vmx)
        #expect(try VMXFile.read(vmx)["guestOS"] == "arm-other6xlinux-64")
        try Self.seed(&context)
        // NIC2's MAC comes from the provider (VMware refuses 52:54:00:…), and the guest-side
        // setup looks for the same one.
        context.internalNetwork = InternalNetworkAttachment(
            endpoint: "boxer-4-00000000", mac: provider.macAddress(forMachine: vmx, nic: 2), subnet: 4)
        try await provider.start(context)
        #expect(try VMXFile.read(vmx)["ethernet1.address"] == provider.macAddress(forMachine: vmx, nic: 2))
        #expect(provider.macAddress(forMachine: vmx, nic: 2).hasPrefix("00:50:56:"))
        #expect(vmrun.calls.allSatisfy { $0.prefix(2) == ["-T", "fusion"] }, "-T comes before every command")
        #expect(vmrun.calls.filter { $0.contains("reset") } == [["-T", "fusion", "reset", vmx, "soft"]])
        let file = try VMXFile.read(vmx)
        #expect(file["numvcpus"] == "2", "the Vagrantfile's vmx settings are applied")
        #expect(file["ethernet0.address"] == VMwareProvider.mac(for: vmx, nic: 1))
        #expect(provider.sshEndpoint(context)?.host.hasPrefix("172.16.93.") == true)

        try await provider.stop(context, force: false, timeout: 5)
        try await provider.start(context)
        #expect(vmrun.calls.filter { $0.contains("reset") }.count == 1, "only the first boot reboots")
        try await provider.destroy(context)
        #expect(!FileManager.default.fileExists(atPath: vmx))
    }

    @Test func vmwareSuspendedAndStubbornMachines() async throws {
        let temporary = try TemporaryFolder("boxer-vmware")
        let vmrun = VMRunStandIn()
        var provider = VMwareProvider(home: BoxerHome(root: try temporary.folder("home")), tool: vmrun, hostType: "ws")
        provider.softStopTimeout = 1
        var context = try Self.context(temporary, format: "vmware_desktop", provider: provider.name)
        let vmx = try await provider.create(context)
        try context.folder.write("id", vmx)
        try Self.seed(&context)
        try await provider.start(context)
        try await provider.suspend(context)
        #expect(await provider.state(context) == .paused)
        // Halting a suspended machine discards its suspended state.
        try await provider.stop(context, force: false, timeout: 5)
        #expect(await provider.state(context) == .poweroff)
        #expect(provider.suspendFiles(vmx).isEmpty)

        try await provider.start(context)
        vmrun.guestIgnoresSoftStop = true
        try await provider.stop(context, force: false, timeout: 1)
        #expect(vmrun.calls.last == ["-T", "ws", "stop", vmx, "hard"])
        #expect(await provider.state(context) == .poweroff)
        try await provider.destroy(context)
    }

    @Test func vmwareStaticMACsStayInTheRangeVMwareAllows() {
        for index in 0..<2000 {
            let parts = VMwareProvider.mac(for: "/vms/\(index)/m.vmx", nic: index % 3 + 1).split(separator: ":").compactMap {
                UInt8($0, radix: 16)
            }
            #expect(parts.count == 6 && parts[0...2] == [0x00, 0x50, 0x56] && parts[3] <= 0x3f)
        }
    }

    @Test func vmwareRefusesABoxOfAnotherProvider() async throws {
        let temporary = try TemporaryFolder("boxer-vmware")
        let vmrun = VMRunStandIn()
        let provider = VMwareProvider(home: BoxerHome(root: try temporary.folder("home")), tool: vmrun)
        let context = try Self.context(temporary, format: "virtualbox", provider: provider.name)
        await #expect(throws: MachineError.self) { _ = try await provider.create(context) }
        #expect(vmrun.calls.isEmpty)
        #expect(throws: MachineError.self) { try VMwareProvider(home: provider.home, tool: nil).checkUsable() }
    }

    // MARK: Parallels

    @Test func parallelsNetworksRulesAndAStubbornGuest() async throws {
        let temporary = try TemporaryFolder("boxer-parallels")
        let parallels = ParallelsStandIn()
        let provider = ParallelsProvider(
            home: BoxerHome(root: try temporary.folder("home")), prlctl: parallels.prlctl, prlsrvctl: parallels.prlsrvctl)
        let network = InternalNetwork(name: InternalNetwork.name(subnet: 7, project: "/p"), subnet: 7)
        try await provider.ensureInternalNetwork(network)
        try await provider.ensureInternalNetwork(network)
        #expect(
            parallels.networks[network.name]?.settings == [
                "--ip": "192.168.7.1/255.255.255.0", "--dhcp-server": "on", "--dhcp-ip": "192.168.7.1",
                "--ip-scope-start": "192.168.7.2", "--ip-scope-end": "192.168.7.254",
            ])
        #expect(parallels.calls.filter { $0.prefix(3) == ["prlsrvctl", "net", "add"] }.count == 1, "added once, set each time")

        var web = try Self.context(temporary, format: "parallels", provider: provider.name)
        let id = try await provider.create(web)
        try web.folder.write("id", id)
        var db = try Self.context(temporary, format: "parallels", provider: provider.name, name: "db")
        db.box = web.box
        let dbID = try await provider.create(db)
        #expect(parallels.calls.filter { $0.prefix(2) == ["prlctl", "register"] }.count == 1, "the box is registered once")
        let webMaster = try #require(parallels.vm(id.trimmingCharacters(in: CharacterSet(charactersIn: "{}")))?.linkedTo)
        let dbMaster = try #require(parallels.vm(dbID.trimmingCharacters(in: CharacterSet(charactersIn: "{}")))?.linkedTo)
        #expect(webMaster == dbMaster, "both are linked clones of the one master")

        try Self.seed(&web)
        web.internalNetwork = InternalNetworkAttachment(endpoint: network.name, mac: "52:54:00:0a:0b:0c", subnet: 7)
        try await provider.start(web)
        let vm = try #require(parallels.vm(id.trimmingCharacters(in: CharacterSet(charactersIn: "{}"))))
        #expect(vm.hardware["net1"] == ["type": "host", "iface": network.name, "mac": "5254000A0B0C"])

        // A restart replaces the machine's NAT rules (prlsrvctl refuses a rule name twice).
        try await provider.stop(web, force: true, timeout: 0)
        try await provider.start(web)
        #expect(parallels.networks["Shared"]?.tcpRules.count == 1)

        parallels.guestIgnoresShutdown = true
        try await provider.stop(web, force: false, timeout: 1)
        #expect(parallels.calls.last == ["prlctl", "stop", id, "--kill"])
        #expect(await provider.state(web) == .poweroff)

        try await provider.destroy(web)
        #expect(parallels.networks["Shared"]?.tcpRules.isEmpty == true)
        await provider.removeInternalNetwork(network)
        #expect(parallels.networks[network.name] == nil)
    }
}
