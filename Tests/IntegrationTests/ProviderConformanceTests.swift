import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import ProviderStandIns
@testable import Providers

/// The contract every provider keeps, checked through the `Provider` protocol alone: create,
/// start, state, SSH endpoint, suspend/resume, stop (graceful and forced) and destroy, leaving
/// nothing behind, and capability data that names the provider and its box formats.
///
/// What runs for real: QEMU boots the tiny box and is logged into over SSH. VirtualBox, VMware
/// and Parallels cannot be installed here, so their drivers run against the recording
/// STAND-INS in StandIns/ (which keep the tools' state and refuse what the tools refuse); for
/// them the suite checks every state the tool reports and that the tool holds nothing of the
/// machine afterwards, but no guest boots and no SSH login happens.
extension MachineSuites {
    @Suite struct ProviderConformanceTests {
        /// A machine of a box the provider runs, in a fresh project and home.
        struct Setup {
            let temporary: TemporaryFolder
            let home: BoxerHome
            let context: MachineContext
            let provider: any Provider
            let subject: ProviderCase.Instance

            init(_ providerCase: ProviderCase) async throws {
                temporary = try TemporaryFolder("boxer-conformance")
                home = BoxerHome(root: try temporary.folder("home"))
                subject = try await providerCase.make(home)
                provider = subject.provider
                let project = try temporary.folder("project").path
                let box: BoxMatch
                if providerCase.bootsGuest {
                    let binary = try #require(BoxerBinary.url).path
                    let add = try ProgramRun.run(
                        binary, ["box", "add", "boxer/tiny", try MachineProject.testBox()],
                        environment: [
                            "BOXER_HOME": home.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                            "HOME": home.path,
                        ])
                    try #require(add.status == 0, "\(add.error)")
                    box = try #require(
                        BoxStore.find(
                            in: home, name: "boxer/tiny", versionRequirement: nil, providers: provider.boxFormats, architecture: "amd64"))
                } else {
                    box = try StandInBoxes.make(format: provider.boxFormats[0], in: try temporary.folder("box"))
                }
                var machine = try #require(
                    try VagrantfileLoader.evaluate(
                        source:
                            "Vagrant.configure(\"2\") { |c| c.vm.box = \"boxer/tiny\"; c.vm.provider(\"\(provider.name == "example" ? "qemu" : provider.name)\") { |p| p.memory = 256 } }",
                        directory: project
                    ).machines.first)
                machine.name = "conformance"
                let folder = MachineFolder(projectRoot: project, machineName: machine.name, provider: provider.name)
                context = MachineContext(machine: machine, folder: folder, box: box)
            }
        }

        /// Inside the libvirt test bed (LibvirtTestbedTests runs this suite there, with the URI
        /// of a host's libvirtd set) only the libvirt provider is checked.
        static let cases: [ProviderCase] =
            ProviderCase.testbedLibvirtURI.map { [.libvirt($0)] } ?? [
                .qemu, .examplePlugin, .virtualBoxStandIn, .vmwareStandIn, .parallelsStandIn,
            ]

        @Test(arguments: cases)
        func lifecycle(_ providerCase: ProviderCase) async throws {
            let setup = try await Setup(providerCase)
            var context = setup.context
            do {
                try await exercise(setup, providerCase, &context)
            } catch {
                try? await setup.provider.destroy(context)
                throw error
            }
        }

        func exercise(_ setup: Setup, _ providerCase: ProviderCase, _ context: inout MachineContext) async throws {
            let provider = setup.provider
            try checkCapabilityData(provider, setup.subject)
            try provider.checkUsable()
            #expect(await provider.state(context) == .notCreated)

            let id = try await provider.create(context)
            #expect(!id.isEmpty)
            try context.folder.write("id", id)
            #expect(await provider.state(context) == .poweroff, "created, not running")

            let key = try await MachineKeys.ensure(in: context.folder)
            let seed = context.folder.file("seed.iso")
            try NoCloudSeed(instanceID: id, hostname: "conformance", user: "vagrant", authorizedKeys: [key]).write(to: seed)
            context.seed = seed
            let port = try #require((2300...2399).first { PortProbe.isFree($0) })
            context.forwards = [PortForward(id: "ssh", hostIP: "127.0.0.1", host: port, guest: 22, proto: "tcp")]

            try await provider.start(context)
            #expect(await provider.state(context) == .running)
            let endpoint = try #require(provider.sshEndpoint(context))
            if providerCase.forwardsToLoopback {
                #expect(endpoint.host == "127.0.0.1" && endpoint.port == port)
                #expect(
                    (endpoint.proxy != nil) == providerCase.throughHost,
                    "a remote host's loopback is reached through that host: \(String(describing: endpoint.proxy))")
                #expect(provider.forwardedPorts(context) == context.forwards)
            } else {
                #expect(
                    endpoint.port == 22 && provider.forwardedPorts(context).isEmpty,
                    "the guest's own address, and no host port claimed to be forwarded")
            }
            if providerCase.bootsGuest {
                let communicator = Communicator(endpoint: endpoint, user: "vagrant", identities: [context.folder.privateKey])
                let started = context
                try await communicator.waitUntilReady(
                    timeout: 90, stillRunning: { true }, consoleTail: { provider.consoleTail(started, lines: 10) })
                #expect(try await communicator.capture("hostname").output == "conformance\n")
                #expect(provider.consoleTail(context, lines: 50).contains("TINYVM-READY"))
            }
            try setup.subject.checkRunning(context)

            try await provider.suspend(context)
            #expect(await provider.state(context) == .paused)
            try await provider.resume(context)
            #expect(await provider.state(context) == .running)

            try await provider.stop(context, force: false, timeout: 30)
            #expect(await provider.state(context) == .poweroff, "a graceful stop is not a crash")
            try await provider.start(context)
            #expect(await provider.state(context) == .running)
            try await provider.stop(context, force: true, timeout: 0)
            #expect(await provider.state(context) == .poweroff)

            try await provider.destroy(context)
            context.folder.remove("id")
            #expect(await provider.state(context) == .notCreated)
            let left = (try? FileManager.default.contentsOfDirectory(atPath: context.folder.path)) ?? []
            #expect(Set(left).isSubset(of: ["private_key", "private_key.pub"]), "the provider's files are gone: \(left)")
            #expect(setup.subject.leftovers(id).isEmpty, "the hypervisor holds nothing of the machine: \(setup.subject.leftovers(id))")
        }

        /// The provider's capability data exists, names it and its box formats, and gives every
        /// cell that is not supported its reason (the loader refuses such a file).
        func checkCapabilityData(_ provider: any Provider, _ subject: ProviderCase.Instance) throws {
            let data: ProviderCapabilities
            if let declared = subject.declaredCapabilities {
                data = declared
            } else {
                let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent()
                let matrix = try CapabilityMatrix.load(folder: repository.appendingPathComponent("providers").path)
                data = try #require(matrix.provider(provider.name), "providers/ has no data for \(provider.name)")
            }
            #expect(data.provider == provider.name)
            #expect(
                Set(provider.boxFormats).isSubset(of: Set(data.boxFormats)),
                "box formats \(provider.boxFormats) are in the data's \(data.boxFormats)")
            let cell = data.guestCell(host: CapabilityProbe().currentHost(), guest: "amd64")
            #expect(cell.status.isUsable || cell.reason?.isEmpty == false)
        }
    }
}

/// One provider under test: how to make it, and what the suite may ask of it beyond the
/// protocol (a stand-in's tool state; a plugin's process).
struct ProviderCase: CustomTestStringConvertible, Sendable {
    struct Instance {
        var provider: any Provider
        /// Capabilities the provider declares itself (a plugin's handshake), instead of providers/.
        var declaredCapabilities: ProviderCapabilities? = nil
        /// Checks of the running machine that only the hypervisor's side can answer.
        var checkRunning: (MachineContext) throws -> Void = { _ in }
        /// What the hypervisor still holds of machine `id` (VMs, processes).
        var leftovers: (String) -> [String] = { _ in [] }
    }

    let name: String
    /// A real guest boots and SSH is tried (QEMU, the example plugin); not for stand-ins.
    let bootsGuest: Bool
    /// SSH is a host port on loopback forwarded to the guest (all but VMware, which connects
    /// to the guest's NAT address).
    var forwardsToLoopback = true
    /// SSH goes through the hypervisor's host (a remote libvirt host's loopback).
    var throughHost = false
    let make: @Sendable (BoxerHome) async throws -> Instance
    var testDescription: String { name }

    static let qemu = ProviderCase(name: "qemu", bootsGuest: true) { home in
        let provider = QEMUProvider(
            home: home, host: QEMUHost(environment: ProcessInfo.processInfo.environment.merging(["BOXER_QEMU_RESTRICT": "1"]) { $1 }))
        return Instance(
            provider: provider,
            leftovers: { id in
                // A QEMU still running for the machine would hold its runtime folder's socket.
                provider.runtimeFolder(id).map { HostFiles.exists($0) ? [$0] : [] } ?? []
            })
    }

    /// The example plugin (boxer-provider-example, built with boxer), spoken to over the
    /// plugin protocol: a real guest under QEMU, behind a process boundary.
    static let examplePlugin = ProviderCase(name: "example (provider plugin)", bootsGuest: true) { home in
        let executable = try #require(BoxerBinary.url).deletingLastPathComponent().appendingPathComponent("boxer-provider-example").path
        let environment = ProcessInfo.processInfo.environment.merging(["BOXER_HOME": home.path, "BOXER_QEMU_RESTRICT": "1"]) { $1 }
        let provider = ExternalProvider(executable: executable, environment: environment)
        try #require(provider.unusable == nil, "\(provider.unusable ?? "")")
        let qemu = QEMUProvider(home: home)
        return Instance(
            provider: provider, declaredCapabilities: provider.capabilities,
            leftovers: { id in
                qemu.runtimeFolder(id).map { HostFiles.exists($0) ? [$0] : [] } ?? []
            })
    }

    /// `$BOXER_CONFORMANCE_LIBVIRT_URI`: set by LibvirtTestbedTests for its run of this suite
    /// inside the test bed's controller namespace.
    static var testbedLibvirtURI: String? {
        ProcessInfo.processInfo.environment["BOXER_CONFORMANCE_LIBVIRT_URI"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The libvirt provider against a real libvirtd on a test-bed host, over qemu+ssh://.
    static func libvirt(_ uri: String) -> ProviderCase {
        ProviderCase(name: "libvirt (\(uri))", bootsGuest: true, throughHost: LibvirtHost(uri: uri).isRemote) { home in
            var environment = ProcessInfo.processInfo.environment
            environment["LIBVIRT_DEFAULT_URI"] = uri
            environment["BOXER_QEMU_RESTRICT"] = "1"
            // The test bed's hosts are this machine: see LibvirtTestbed.emulated.
            environment["BOXER_QEMU_ACCEL"] = "tcg"
            let provider = LibvirtProvider(home: home, environment: environment)
            return Instance(
                provider: provider,
                checkRunning: { context in
                    let host = try #require(provider.recordedHost(context.folder))
                    #expect(host.uri == uri, "the machine's host is recorded at create")
                    let id = try #require(context.folder.id)
                    let domain = try #require(try provider.connection(host).domain(uuid: id))
                    let xml = try domain.xml()
                    #expect(xml.contains("<memory unit='KiB'>262144</memory>") && xml.contains("hostfwd=tcp:127.0.0.1:"))
                    #expect(xml.contains("boxer-box-"), "the overlay is backed by the box's volume")
                },
                leftovers: { id in
                    guard let connection = try? provider.connection(LibvirtHost(uri: uri)) else { return ["cannot reach \(uri)"] }
                    var left: [String] = []
                    if let domain = (try? connection.domain(uuid: id)) ?? nil { left.append("domain \(domain.name)") }
                    let prefix = LibvirtProvider.domainName(machine: "conformance", id: id)
                    let pool = (try? connection.pool(named: "boxer")) ?? nil
                    pool?.refresh()  // the files on the host, the console log too
                    let volumes = pool.flatMap { try? $0.volumeNames() } ?? []
                    left += volumes.filter { $0.hasPrefix(prefix) }.map { "volume \($0)" }
                    if !volumes.contains(where: { $0.hasPrefix("boxer-box-") }) { left.append("(the box volume is gone: it should stay)") }
                    return left
                })
        }
    }

    static let vmwareStandIn = ProviderCase(name: "vmware_desktop (vmrun stand-in)", bootsGuest: false, forwardsToLoopback: false) { home in
        let vmrun = VMRunStandIn()
        return Instance(
            provider: VMwareProvider(home: home, tool: vmrun),
            checkRunning: { context in
                let vmx = try VMXFile.read(try #require(context.folder.id))
                #expect(vmx["ethernet0.connectionType"] == "nat" && vmx["sata1:1.fileName"] == context.seed && vmx["memsize"] == "256")
                #expect(vmx["sata1:0.fileName"] == "data.vmdk", "the box's second disk stays where it is")
                #expect(
                    vmx["ethernet0.virtualDev"] == "e1000" && vmx["ethernet0.pciSlotNumber"] == "33",
                    "the box's NIC type and slot stay, so the guest's interface keeps its name")
                #expect(vmx["serial0.fileName"] == context.folder.file("console.log"))
                #expect(
                    vmrun.calls.contains { $0.contains("clone") && $0.contains("linked") && $0.contains("-snapshot=boxer-base") },
                    "a linked clone of the box's base snapshot")
            },
            leftovers: { vmx in
                (vmrun.running.contains(vmx) ? ["running \(vmx)"] : []) + (FileManager.default.fileExists(atPath: vmx) ? [vmx] : [])
            })
    }

    static let parallelsStandIn = ProviderCase(name: "parallels (prlctl stand-in)", bootsGuest: false) { home in
        let parallels = ParallelsStandIn()
        return Instance(
            provider: ParallelsProvider(home: home, prlctl: parallels.prlctl, prlsrvctl: parallels.prlsrvctl),
            checkRunning: { context in
                let id = try #require(context.folder.id)
                let vm = try #require(parallels.vm(id.trimmingCharacters(in: CharacterSet(charactersIn: "{}"))))
                #expect(
                    vm.hardware["cdrom0"]?["image"] == context.seed
                        && vm.hardware["serial0"]?["output"] == context.folder.file("console.log") && vm.memory == 256)
                #expect(parallels.networks["Shared"]?.tcpRules.values.contains("\(context.forwards[0].host),\(id),22") == true)
                #expect(vm.linkedTo != nil, "a linked clone of the box's master VM")
            },
            leftovers: { id in
                let bare = id.trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
                return (parallels.vm(bare).map { ["VM \($0.name)"] } ?? [])
                    + (parallels.networks["Shared"]?.tcpRules.keys.map { "NAT rule \($0)" } ?? [])
            })
    }

    static let virtualBoxStandIn = ProviderCase(name: "virtualbox (VBoxManage stand-in)", bootsGuest: false) { home in
        let vboxmanage = VBoxManageStandIn()
        return Instance(
            provider: VirtualBoxProvider(home: home, tool: vboxmanage),
            checkRunning: { context in
                let id = try #require(context.folder.id)
                let vm = try #require(vboxmanage.machine(id))
                #expect(vm.natRules == ["ssh": "ssh,tcp,127.0.0.1,\(context.forwards[0].host),,22"])
                #expect(vm.media["SATA Controller:1:0"] == context.seed)
                #expect(vm.extraData["VBoxInternal/Devices/pcbios/0/Config/DmiSystemSerial"]?.hasPrefix("ds=nocloud;") == true)
                #expect(vm.settings["memory"] == "256")
                #expect(vm.linkedTo?.hasPrefix("boxer-master-") == true, "a linked clone of the box's master VM")
            },
            leftovers: { id in
                vboxmanage.machine(id).map { ["VM \($0.name) {\($0.uuid)}"] } ?? []
            })
    }
}

enum PortProbe {
    static func isFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
