import BoxerSupport
import Foundation
import Networks

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An environment's internal network (NIC2): 192.168.X.0/24 from the subnet registry and the
/// switch process that serves it, started with the environment's first machine and stopped
/// with its last. Files: `$BOXER_HOME/run/net-X/{switch.sock,switch.pid}` and
/// `$BOXER_HOME/data/networks/X-leases.json`.
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
    func runtime(_ subnet: Int) -> String { home.path + "/run/net-\(subnet)" }
    func socket(_ subnet: Int) -> String { runtime(subnet) + "/switch.sock" }
    func pidfile(_ subnet: Int) -> String { runtime(subnet) + "/switch.pid" }
    func leases(_ subnet: Int) -> String { home.path + "/data/networks/\(subnet)-leases.json" }

    /// The network's subnet and switch socket, starting the switch when it does not run.
    public func ensure() async throws(MachineError) -> (subnet: Int, socket: String) {
        let subnet: Int
        do {
            subnet = try registry.allocate(for: project)
        } catch {
            throw MachineError(.configuration, error.message)
        }
        if switchPID(subnet) != nil, HostFiles.exists(socket(subnet)) { return (subnet, socket(subnet)) }
        do {
            try FileManager.default.createDirectory(atPath: runtime(subnet), withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: home.path + "/data/networks", withIntermediateDirectories: true)
        } catch {
            throw MachineError(.io, "cannot create the network's folders: \(error.localizedDescription)")
        }
        try spawnSwitch(subnet)
        for _ in 0..<100 {
            if switchPID(subnet) != nil, HostFiles.exists(socket(subnet)) { return (subnet, socket(subnet)) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        throw MachineError(.provider, "the network switch for 192.168.\(subnet).0/24 did not start (\(executable) network-switch)")
    }

    /// Stops the switch and frees the subnet; for when the environment's last machine is gone.
    public func release() async {
        guard let subnet = registry.subnet(for: project) else { return }
        if let pid = switchPID(subnet) {
            kill(pid, SIGTERM)
            for _ in 0..<50 where switchPID(subnet) != nil { try? await Task.sleep(for: .milliseconds(20)) }
            if let pid = switchPID(subnet) { kill(pid, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: runtime(subnet))
        unlink(leases(subnet))
        try? registry.release(project)
    }

    /// The switch's process, while it holds the lock on its pidfile.
    public func switchPID(_ subnet: Int) -> pid_t? {
        HostFiles.lockHolder(of: pidfile(subnet))
    }

    /// Starts `boxer network-switch` in a session of its own (it outlives this command and is
    /// not hit by the terminal's signals), its output to /dev/null.
    func spawnSwitch(_ subnet: Int) throws(MachineError) {
        let arguments = [executable, "network-switch", "--subnet", String(subnet), "--socket", socket(subnet),
                         "--leases", leases(subnet), "--pidfile", pidfile(subnet)]
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        #if os(Linux)
        let setsid: Int16 = 0x80   // POSIX_SPAWN_SETSID (glibc 2.26+; not exported without _GNU_SOURCE)
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
            throw MachineError(.provider, "cannot start the network switch (\(executable)): \(String(cString: strerror(status)))")
        }
    }
}
