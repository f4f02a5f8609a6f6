import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Providers
import Testing
import Vagrantfile

/// The contract every provider keeps, checked through the `Provider` protocol alone: create,
/// start, state, SSH endpoint, suspend/resume, stop (graceful and forced) and destroy, leaving
/// nothing behind. QEMU runs it for real here; hypervisors that cannot run on this host are
/// not listed (their drivers are checked against recorded command lines instead).
extension MachineSuites {
@Suite struct ProviderConformanceTests {
    /// A machine of the tiny box, in a fresh project and home, for the provider under test.
    struct Setup {
        let temporary: TemporaryFolder
        let home: BoxerHome
        let context: MachineContext

        let provider: any Provider

        init(_ subject: ProviderCase) throws {
            temporary = try TemporaryFolder("boxer-conformance")
            home = BoxerHome(root: try temporary.folder("home"))
            provider = subject.make(home)
            let project = try temporary.folder("project").path
            let binary = try #require(BoxerBinary.url).path
            let add = try ProgramRun.run(binary, ["box", "add", "boxer/tiny", try MachineProject.testBox()], environment: ["BOXER_HOME": home.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home.path])
            try #require(add.status == 0, "\(add.error)")
            let box = try #require(BoxStore.find(in: home, name: "boxer/tiny", versionRequirement: nil, providers: subject.make(home).boxFormats, architecture: "amd64"))
            var machine = try #require(try VagrantfileLoader.evaluate(source: "Vagrant.configure(\"2\") { |c| c.vm.box = \"boxer/tiny\"; c.vm.provider(\"qemu\") { |q| q.memory = 256 } }", directory: project).machines.first)
            machine.name = "conformance"
            let folder = MachineFolder(projectRoot: project, machineName: machine.name, provider: provider.name)
            context = MachineContext(machine: machine, folder: folder, box: box)
        }
    }

    /// Providers that run on this host. Tests keep the NAT restricted (restrict=on).
    static let cases = [
        ProviderCase(name: "qemu") { home in
            QEMUProvider(home: home, host: QEMUHost(environment: ProcessInfo.processInfo.environment.merging(["BOXER_QEMU_RESTRICT": "1"]) { $1 }))
        },
    ]

    @Test(arguments: cases)
    func lifecycle(_ subject: ProviderCase) async throws {
        let setup = try Setup(subject)
        var context = setup.context
        do {
            try await exercise(setup.provider, &context)
        } catch {
            try? await setup.provider.destroy(context)
            throw error
        }
    }

    func exercise(_ provider: any Provider, _ context: inout MachineContext) async throws {
        #expect(provider.capabilities().contains { $0.feature.hasPrefix("amd64 accelerator") && !$0.reason.isEmpty }, "every capability cell has its reason")
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
        #expect(endpoint == SSHEndpoint(host: "127.0.0.1", port: port))
        let communicator = Communicator(endpoint: endpoint, user: "vagrant", identities: [context.folder.privateKey])
        let started = context
        try await communicator.waitUntilReady(timeout: 90, stillRunning: { true }, consoleTail: { provider.consoleTail(started, lines: 10) })
        #expect(try await communicator.capture("hostname").output == "conformance\n")
        #expect(provider.consoleTail(context, lines: 50).contains("TINYVM-READY"))

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
    }
}
}

struct ProviderCase: CustomTestStringConvertible, Sendable {
    let name: String
    let make: @Sendable (BoxerHome) -> any Provider
    var testDescription: String { name }
}

enum PortProbe {
    static func isFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }
}
