import BoxerSupport
import Foundation
import Networks
import Vagrantfile

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Chooses host ports for a machine's forwarded ports as Vagrant does: the configured port when
/// it is free, else (with `auto_correct`) the first free one of `config.vm.usable_port_range`
/// (2200..2250), else an error naming the port. Choosing and binding (starting the machine)
/// happen under one lock, in this process and across this user's boxer processes whatever their
/// `BOXER_HOME` (the lock is in `/tmp/boxer-<uid>`), so two machines never pick the same port;
/// a port another user's program takes between the choice and the bind is retried with the next
/// free one for forwards with `auto_correct`.
public final class PortAllocator: Sendable {
    let inProcess = AsyncLock()
    public let lockFile: String
    /// Starts tried when a chosen port is taken before the machine binds it.
    static let attempts = 5

    public init(home: BoxerHome) {
        lockFile = BoxerHome.userRuntimeFolder + "/ports.lock"
    }

    /// Runs `body` (which starts the machine) with the ports chosen and the lock held.
    public func withPorts<T: Sendable>(for machine: Machine, _ body: @Sendable ([PortForward]) async throws -> T) async throws -> T {
        try await inProcess.withLock {
            let path = lockFile
            let locked = await onDedicatedThread { () throws -> FileLock? in
                try BoxerHome.prepareUserRuntime()
                return try FileLock.acquire(URL(fileURLWithPath: path))
            }
            let lock = try locked.get()
            defer { lock?.unlock() }
            let correctable = Set(
                machine.networks.compactMap { network -> String? in
                    if case .forwardedPort(let port) = network, port.autoCorrect { return port.id }
                    return nil
                })
            var avoided: Set<Int> = []
            var attempt = 1
            while true {
                let forwards = try Self.choosePorts(for: machine, avoiding: avoided)
                do {
                    return try await body(forwards)
                } catch let error as MachineError where error.kind == .portInUse && attempt < Self.attempts && !correctable.isEmpty {
                    // Taken between the check and the bind (another user's program): the
                    // auto-corrected forwards move on to other ports.
                    avoided.formUnion(forwards.filter { correctable.contains($0.id) }.map(\.host))
                    attempt += 1
                }
            }
        }
    }

    /// The host ports for the machine's forwards; `avoiding`: ports that forwards with
    /// `auto_correct` must not take (found taken at the last start).
    /// The checks of the machine's forwards that need no free port: valid port pairs, host
    /// addresses and `usable_port_range`. `validate` and `up` (before anything is created) run them.
    public static func checkForwards(_ machine: Machine) throws(MachineError) {
        _ = try usableRange(machine)
        for network in machine.networks {
            guard case .forwardedPort(let port) = network else { continue }
            guard (1...65535).contains(port.host), (1...65535).contains(port.guest) else {
                throw MachineError.invalidPortPair(guest: port.guest, host: port.host, machine: machine.name)
            }
            if let hostIP = port.hostIP, IPv4Address(hostIP) == nil {
                throw MachineError.invalidHostIP(hostIP, guest: port.guest, host: port.host, machine: machine.name)
            }
        }
    }

    public static func choosePorts(for machine: Machine, avoiding: Set<Int> = []) throws(MachineError) -> [PortForward] {
        try checkForwards(machine)
        var chosen: [PortForward] = []
        let range = try usableRange(machine)
        for network in machine.networks {
            guard case .forwardedPort(let port) = network else { continue }
            let hostIP = port.hostIP ?? "127.0.0.1"
            let proto = port.proto.isEmpty ? "tcp" : port.proto
            var host = port.host
            if !isFree(host, hostIP: hostIP, proto: proto) || chosen.contains(where: { $0.host == host && $0.proto == proto })
                || (port.autoCorrect && avoiding.contains(host))
            {
                guard port.autoCorrect else {
                    throw MachineError.portInUse(host, guest: port.guest, machine: machine.name, hostIP: hostIP)
                }
                guard
                    let free = range.first(where: { candidate in
                        !avoiding.contains(candidate) && isFree(candidate, hostIP: hostIP, proto: proto)
                            && !chosen.contains(where: { $0.host == candidate && $0.proto == proto })
                    })
                else {
                    throw MachineError.noFreePort(port.host, guest: port.guest, machine: machine.name, range: range)
                }
                host = free
            }
            chosen.append(PortForward(id: port.id, hostIP: hostIP, host: host, guest: port.guest, proto: proto))
        }
        return chosen
    }

    static func usableRange(_ machine: Machine) throws(MachineError) -> ClosedRange<Int> {
        guard case .string(let text)? = machine.settings["usable_port_range"] else { return 2200...2250 }
        let exclusive = text.contains("...")
        let parts = text.components(separatedBy: exclusive ? "..." : "..").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, 1 <= parts[0], parts[1] <= 65535, parts[0] <= parts[1] - (exclusive ? 1 : 0) else {
            throw MachineError.invalidPortRange(text, machine: machine.name)
        }
        return parts[0]...(parts[1] - (exclusive ? 1 : 0))
    }

    /// Whether a port can be bound on the address now.
    static func isFree(_ port: Int, hostIP: String, proto: String) -> Bool {
        #if canImport(Glibc)
            let kind = Int32(proto == "udp" ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue)
        #else
            let kind = proto == "udp" ? SOCK_DGRAM : SOCK_STREAM
        #endif
        let descriptor = socket(AF_INET, kind, 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, hostIP, &address.sin_addr) == 1 else { return false }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
