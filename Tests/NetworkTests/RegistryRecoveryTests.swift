import BoxerSupport
import BoxerTestSupport
import Foundation
import Networks
import Testing

/// Issue 14, finding 3 and 10: the subnet registry is read back, not trusted. A corrupt file is
/// an error naming it (it used to be silently reset, handing a running environment's X to the
/// next one); a missing one is rebuilt from the switches that run; a new X is never one a
/// running switch serves, nor one overlapping the host's own networks.
@Suite(.serialized) struct RegistryRecoveryTests {
    /// A real `boxer network-switch` serving 192.168.X.0/24 under `home`, with its project file
    /// as `boxer up` writes it (or none). Stopped by PID when the test ends.
    final class RunningSwitch: @unchecked Sendable {
        let process: Process

        init(home: BoxerHome, subnet: EnvironmentSubnet, project: String?) throws {
            let binary = try #require(BoxerBinary.url?.path, "the boxer executable is built")
            let registry = SubnetRegistry(home: home)
            try PrivateFiles.makeFolders(registry.switchFolder(subnet) + "/ports")
            if let project { try PrivateFiles.writeAtomically(registry.switchProjectFile(subnet), project) }
            process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = [
                "network-switch", "--subnet", subnet.description, "--ports", registry.switchFolder(subnet) + "/ports",
                "--leases", home.path + "/data/\(subnet.fileName)-leases.json", "--pidfile", registry.switchPidfile(subnet),
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            for _ in 0..<200 where HostFiles.lockHolder(of: registry.switchPidfile(subnet)) == nil { usleep(20_000) }
            try #require(HostFiles.lockHolder(of: registry.switchPidfile(subnet)) == process.processIdentifier, "the switch started")
        }

        deinit {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    static func registry(_ folder: TemporaryFolder, host: [IPv4Network] = []) -> SubnetRegistry {
        SubnetRegistry(home: BoxerHome(root: folder.url), hostNetworks: { host })
    }

    @Test(arguments: [
        ("{\"version\": 1, \"environ", "not the JSON boxer writes"),
        ("", "it is empty"),
        ("{\"version\": 1, \"environments\": {\"/a\": 1, \"/b\": 1}}", "both have 192.168.1.0/24"),
        ("{\"version\": 1, \"environments\": {\"/a\": 999}}", "not the JSON boxer writes"),
        ("{\"version\": 1, \"environments\": {\"/a\": \"10.0.2.0/24\"}}", "is not a project folder with a network boxer uses"),
        ("{\"version\": 1, \"environments\": {\"relative\": 3}}", "is not a project folder with a network boxer uses"),
    ])
    func corruptRegistryIsAnErrorAndIsKept(_ content: String, _ reason: String) throws {
        let folder = try TemporaryFolder("boxer-registry")
        let registry = Self.registry(folder)
        try PrivateFiles.makeFolders(registry.folder)
        try Data(content.utf8).write(to: URL(fileURLWithPath: registry.file))
        do {
            _ = try registry.allocate(for: "/next")
            Issue.record("a corrupt registry handed out a network")
        } catch {
            #expect(error.message.contains(registry.file), "\(error)")
            #expect(error.message.contains(reason), "\(error)")
            #expect(error.message.contains("Move the file away"), "\(error)")
        }
        #expect(throws: NetworkError.self) { try registry.all() }
        #expect(registry.subnet(for: "/a") == nil, "readers find no network, so nothing is stopped on its account")
        #expect(try String(contentsOfFile: registry.file, encoding: .utf8) == content, "the file is left as it was")
    }

    /// The registry moved away while an environment runs: rebuilt from its switch, whose X is
    /// then neither handed to another environment nor lost by its own.
    /// What `status` reads to show a network: the file as it is, with nothing created, locked or
    /// rebuilt on the way.
    @Test func recordedSubnetOnlyReadsTheFile() throws {
        let folder = try TemporaryFolder("boxer-registry")
        let registry = Self.registry(folder)
        #expect(registry.recordedSubnet(for: "/p") == nil)
        #expect(TemporaryFolder.tree(folder.url).isEmpty, "no folder, lock or registry was made")
        let subnet = try registry.allocate(for: "/p")
        #expect(registry.recordedSubnet(for: "/p") == subnet)
        #expect(registry.recordedSubnet(for: "/other") == nil)
        try Data("{".utf8).write(to: URL(fileURLWithPath: registry.file))
        #expect(registry.recordedSubnet(for: "/p") == nil, "a damaged file shows nothing")
    }

    @Test func missingRegistryIsRebuiltFromRunningSwitches() throws {
        let folder = try TemporaryFolder("boxer-registry")
        let home = BoxerHome(root: folder.url)
        let running = try RunningSwitch(home: home, subnet: 1, project: "/projects/a")
        let registry = Self.registry(folder)
        #expect(registry.subnet(for: "/projects/a") == 1, "recovered from the switch's folder")
        #expect(try registry.allocate(for: "/projects/b") == 2, "the running switch's X is not handed out")
        #expect(try registry.allocate(for: "/projects/a") == 1, "the environment keeps its X")
        #expect(try registry.all() == ["/projects/a": 1, "/projects/b": 2], "and the rebuilt registry is written")
        _ = running
    }

    /// A switch whose folder does not say its project (an older boxer's) is still in use.
    @Test func switchOfUnknownProjectIsNeverHandedOut() throws {
        let folder = try TemporaryFolder("boxer-registry")
        let home = BoxerHome(root: folder.url)
        let running = try RunningSwitch(home: home, subnet: 1, project: nil)
        let registry = Self.registry(folder)
        #expect(try registry.allocate(for: "/projects/b") == 2)
        do {
            _ = try registry.allocate(for: "/projects/c", requiring: 1)
            Issue.record("a running switch's X was given to static addresses")
        } catch {
            #expect(error.message.contains("a running switch of an unknown environment"), "\(error)")
        }
        _ = running
    }

    /// Finding 10: with the host on 192.168.1.0/24 the first environment took it, and its
    /// guests lost the host's LAN.
    @Test func hostNetworksAreAvoided() throws {
        let folder = try TemporaryFolder("boxer-registry")
        let host = [
            IPv4Network(IPv4Address(192, 168, 1, 17), prefixLength: 24), IPv4Network(IPv4Address(192, 168, 2, 0), prefixLength: 23),
        ]
        let registry = Self.registry(folder, host: host)
        #expect(try registry.allocate(for: "/a") == 4, "1, 2 and 3 are the host's")
        #expect(try registry.allocate(for: "/b") == 5)
        #expect(registry.hostClashes(1).map(\.description) == ["192.168.1.0/24"])
        #expect(registry.hostClashes(3).map(\.description) == ["192.168.2.0/23"])
        #expect(registry.hostClashes(4).isEmpty)
        // Static addresses the user chose on purpose are still allowed (`up` warns).
        #expect(try registry.allocate(for: "/c", requiring: 1) == 1)
    }

    @Test func everySubnetOnTheHostFallsBackToTheLowestFree() throws {
        let folder = try TemporaryFolder("boxer-registry")
        let registry = Self.registry(folder, host: [IPv4Network(IPv4Address(192, 168, 0, 0), prefixLength: 16)])
        #expect(try registry.allocate(for: "/a") == 1)
    }

    @Test func routesAreReadAsTheKernelWritesThem() {
        let table = """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
            eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
            eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
            tun0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0
            wg0\t0000A8C0\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
            """
        #expect(
            HostNetworks.parseRoutes(table).map(\.description) == ["192.168.1.0/24", "192.168.0.0/16"],
            "the default route and routes wider than /16 are left out")
    }

    /// This host's real interfaces and routes are read without failing (loopback left out).
    @Test func thisHostsNetworksAreRead() {
        #expect(!HostNetworks.current().contains { $0.address.bytes[0] == 127 })
    }

    /// Finding 15: a 39 MB leases file made the switch take 245 MB and serve no address.
    @Test func oversizedOrJunkLeasesAreMovedAsideAndJunkEntriesDropped() throws {
        let folder = try TemporaryFolder("boxer-leases")
        let path = folder.path("1-leases.json").path
        try Data(repeating: 0x7b, count: DHCPLeases.fileLimit + 1).write(to: URL(fileURLWithPath: path))
        #expect(DHCPLeases.load(path, subnet: 1).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.fileExists(atPath: path + ".damaged"))

        func lease(_ address: String) -> String {
            "{\"address\": \"\(address)\", \"expires\": \(Date(timeIntervalSinceNow: 3600).timeIntervalSinceReferenceDate)}"
        }
        let mixed = """
            {"52:54:00:00:00:01": \(lease("192.168.1.10")), "52:54:00:00:00:02": \(lease("192.168.1.10")),
             "52:54:00:00:00:03": \(lease("10.0.0.5")), "52:54:00:00:00:04": \(lease("192.168.1.1")),
             "not a mac": \(lease("192.168.1.20")), "52:54:00:00:00:05": \(lease("192.168.1.30"))}
            """
        try Data(mixed.utf8).write(to: URL(fileURLWithPath: path))
        let loaded = DHCPLeases.load(path, subnet: 1)
        #expect(
            Set(loaded.values.map(\.address.description)) == ["192.168.1.10", "192.168.1.30"], "one lease per address, only the pool's")
        #expect(loaded.count == 2)
    }

    /// Finding 11: modes came from the umask; under umask 000 the registry and its folder were
    /// world-writable.
    @Test func stateIsPrivateUnderAnyUmask() throws {
        let binary = try #require(BoxerBinary.url?.path)
        let folder = try TemporaryFolder("boxer-umask")
        let run = try ProgramRun.run(
            "/bin/sh", ["-c", "umask 000; exec \"$0\" network-allocate /projects/a", binary],
            environment: ProgramRun.boxerEnvironment(home: folder.path("home")))
        #expect(run.status == 0, "\(run.error)")
        func mode(_ relative: String) throws -> Int {
            try ((FileManager.default.attributesOfItem(atPath: folder.path(relative).path)[.posixPermissions] as? NSNumber)?.intValue).map {
                $0 & 0o777
            } ?? -1
        }
        #expect(try mode("home") == 0o700)
        #expect(try mode("home/data") == 0o700)
        #expect(try mode("home/data/networks.json") == 0o600)
        #expect(try mode("home/data/networks.lock") == 0o600)
    }
}
