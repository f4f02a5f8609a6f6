import BoxerSupport
import Foundation
import Networks

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An environment's internal network (NIC2): its /24 from the subnet registry and the switch
/// process that serves it, started with the environment's first machine and stopped with its
/// last. Files: `<runtime>/net-<network>/{switch.pid,project,ports/}` (the home's runtime folder,
/// see `BoxerHome.runtime`) and `$BOXER_HOME/data/networks/<network>-{leases,reservations}.json`,
/// <network> being X for 192.168.X.0/24, else a.b.c.
public struct EnvironmentNetwork: Sendable {
    public let home: BoxerHome
    public let project: String
    /// The `boxer` executable that runs the switch.
    public let executable: String

    public init(home: BoxerHome, project: String, executable: String) {
        self.home = home
        self.project = project
        self.executable = executable
    }

    var registry: SubnetRegistry { SubnetRegistry(home: home) }
    func runtime(_ subnet: EnvironmentSubnet) -> String { registry.switchFolder(subnet) }
    func pidfile(_ subnet: EnvironmentSubnet) -> String { registry.switchPidfile(subnet) }
    func portsFolder(_ subnet: EnvironmentSubnet) -> String { runtime(subnet) + "/ports" }
    var dataFolder: String { home.path + "/data/networks" }
    func leases(_ subnet: EnvironmentSubnet) -> String { dataFolder + "/\(subnet.fileName)-leases.json" }
    func reservations(_ subnet: EnvironmentSubnet) -> String { dataFolder + "/\(subnet.fileName)-reservations.json" }

    /// The environment's network, if it has one now.
    public var subnet: EnvironmentSubnet? { registry.subnet(for: project) }

    /// How a machine's NIC2 (with this MAC) joins the network: its QEMU listens on a socket in
    /// the ports folder, which the switch finds and connects to.
    public func attachment(subnet: EnvironmentSubnet, mac: String) -> InternalNetworkAttachment {
        InternalNetworkAttachment(
            endpoint: portsFolder(subnet) + "/" + mac.replacingOccurrences(of: ":", with: "") + ".sock", mac: mac, subnet: subnet)
    }

    /// The network's subnet, starting the switch when it does not run (the first machine, or a
    /// switch that died: its leases are on disk and it takes them up again). `requiredSubnet`:
    /// the /24 that the environment's static addresses are in.
    public func ensure(requiredSubnet: EnvironmentSubnet? = nil) async throws(MachineError) -> EnvironmentSubnet {
        let previous = registry.subnet(for: project)
        let subnet: EnvironmentSubnet
        do {
            subnet = try registry.allocate(for: project, requiring: requiredSubnet)
        } catch {
            throw MachineError.passing(error, as: .configuration)
        }
        // A fresh network is never one a running switch serves (the registry skips those), so only
        // leases of an environment that is gone can be left there. No switch is ever stopped here.
        if previous == nil, switchPID(subnet) == nil { unlink(leases(subnet)) }
        if switchPID(subnet) != nil { return subnet }
        do {
            try home.prepareRuntime()
            try PrivateFiles.makeFolders(portsFolder(subnet))
            // Made by an older boxer under a lax umask: another user could plant sockets there.
            chmod(runtime(subnet), 0o700)
            chmod(portsFolder(subnet), 0o700)
            try PrivateFiles.makeFolders(dataFolder)
            try PrivateFiles.writeAtomically(registry.switchProjectFile(subnet), project)
        } catch {
            throw MachineError.cannotCreateNetworkFolders(error.description)
        }
        try spawnSwitch(subnet)
        for _ in 0..<150 {
            if switchPID(subnet) != nil { return subnet }
            try? await Task.sleep(for: .milliseconds(20))
        }
        throw MachineError.switchDidNotStart(subnet, executable: executable)
    }

    /// Writes the static addresses the switch's DHCP server hands out: `reserved` by NIC2 MAC,
    /// and every static address of the environment kept out of the pool.
    public func setReservations(subnet: EnvironmentSubnet, reserved: [String: String], excluded: [String]) throws(MachineError) {
        var byMAC: [MACAddress: IPv4Address] = [:]
        for (mac, address) in reserved {
            if let mac = MACAddress(mac), let address = IPv4Address(address) { byMAC[mac] = address }
        }
        do {
            try PrivateFiles.makeFolders(dataFolder)
            try NetworkReservations(reserved: byMAC, excluded: excluded.compactMap(IPv4Address.init)).write(to: reservations(subnet))
        } catch let error as NetworkError {
            throw MachineError.passing(error, as: .io)
        } catch {
            throw MachineError.cannotCreate(dataFolder, "\(error)")
        }
    }

    /// The switch's leases, by MAC ("52:54:00:…", lower case).
    public func leases(subnet: EnvironmentSubnet) -> [String: DHCPLease] {
        guard let bytes = try? HostFiles.readBytes(at: leases(subnet), limit: DHCPLeases.fileLimit),
            let leases = try? JSONDecoder().decode([String: DHCPLease].self, from: Data(bytes))
        else { return [:] }
        return leases
    }

    /// The switch's lease for a NIC.
    public func lease(subnet: EnvironmentSubnet, mac: String) -> DHCPLease? {
        leases(subnet: subnet)[mac.lowercased()]
    }

    /// The static addresses reserved for NICs.
    public func reservations(subnet: EnvironmentSubnet) -> [MACAddress: IPv4Address] {
        NetworkReservations.read(reservations(subnet))?.byMAC ?? [:]
    }

    /// Stops the switch and frees the subnet; for when the environment's last machine is gone.
    public func release() async {
        guard let subnet = registry.subnet(for: project) else { return }
        await stopSwitch(subnet)
        try? FileManager.default.removeItem(atPath: runtime(subnet))
        unlink(leases(subnet))
        unlink(reservations(subnet))
        try? registry.release(project)
    }

    /// Forgets a destroyed machine's socket.
    public func removePort(subnet: EnvironmentSubnet, mac: String) {
        unlink(attachment(subnet: subnet, mac: mac).endpoint)
    }

    func stopSwitch(_ subnet: EnvironmentSubnet) async {
        guard let pid = switchPID(subnet) else { return }
        kill(pid, SIGTERM)
        for _ in 0..<50 where switchPID(subnet) != nil { try? await Task.sleep(for: .milliseconds(20)) }
        if let pid = switchPID(subnet) { kill(pid, SIGKILL) }
    }

    /// The switch's process, while it holds the lock on its pidfile.
    public func switchPID(_ subnet: EnvironmentSubnet) -> pid_t? {
        HostFiles.lockHolder(of: pidfile(subnet))
    }

    /// Starts `boxer network-switch` in a session of its own (it outlives this command and is
    /// not hit by the terminal's signals), its output to /dev/null.
    func spawnSwitch(_ subnet: EnvironmentSubnet) throws(MachineError) {
        let arguments = [
            executable, "network-switch", "--subnet", subnet.description, "--ports", portsFolder(subnet), "--leases", leases(subnet),
            "--reservations", reservations(subnet),
            "--pidfile", pidfile(subnet),
        ]
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        #if os(Linux)
            let setsid: Int16 = 0x80  // POSIX_SPAWN_SETSID (glibc 2.26+; not exported without _GNU_SOURCE)
        #else
            let setsid = Int16(POSIX_SPAWN_SETSID)
        #endif
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        // A clean signal mask (the caller's threads may block SIGTERM, which stops the switch).
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, setsid | Int16(POSIX_SPAWN_SETSIGMASK))
        // Nothing of this process but what the switch needs: a descriptor it inherited (a pipe
        // a caller reads to its end) would keep that caller waiting for as long as it runs.
        for name in HostFiles.entries(of: "/proc/self/fd") {
            if let descriptor = Int32(name), descriptor > 2 { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        }
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard status == 0 else {
            throw MachineError.cannotStartSwitch(executable, String(cString: strerror(status)))
        }
        ProcessPriority.normalize(pid)
    }
}
