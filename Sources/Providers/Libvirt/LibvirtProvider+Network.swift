import BoxerSupport
import Foundation
import Machines

/// NIC2 and the environment switch, and where machines go.
extension LibvirtProvider {
    /// The environment network's name: one SSH connection per environment and host.
    func networkName(_ context: MachineContext, _ attachment: InternalNetworkAttachment) -> String {
        InternalNetwork.name(subnet: attachment.subnet, project: context.folder.projectRoot)
    }

    /// Lets the switch reach the machine's NIC2: over the environment's SSH connection to a
    /// remote host (a unix socket in the ports folder forwarded to the host's loopback port);
    /// for the local daemon, a `.tcp` entry naming the loopback port, which the switch connects
    /// to directly.
    func attachInternalNetwork(_ context: MachineContext, host: LibvirtHost) async throws(MachineError) {
        guard let attachment = context.internalNetwork, let id = context.folder.id else { return }
        let port = nic2Port(context, id: id)
        let network = networkName(context, attachment)
        // Kept for `halt` and `destroy`, which are not told about the network.
        try context.folder.write("nic2_link", network + "\n" + attachment.endpoint + "\n")
        if let proxy = host.proxy {
            try await tunnels.forward(network: network, proxy: proxy, listen: attachment.endpoint, port: port)
            // The forwarded ports (but SSH, which hops through the host) are on this computer too,
            // where Vagrant users look for them (`localhost:8080`): the same port on the host's
            // loopback, carried by the same connection. TCP only: SSH carries no UDP.
            for forward in Self.carriedForwards(context.forwards) {
                try await tunnels.forward(network: network, proxy: proxy, listen: "\(forward.hostIP):\(forward.host)", port: forward.host)
            }
        } else {
            do {
                try PrivateFiles.writeAtomically(Self.tcpEntry(attachment.endpoint), "127.0.0.1:\(port)\n")
            } catch {
                throw MachineError.passing(error, as: .io)
            }
        }
    }

    func detachInternalNetwork(_ context: MachineContext, host: LibvirtHost) async {
        guard let id = context.folder.id, let link = context.folder.read("nic2_link")?.split(separator: "\n").map(String.init),
            link.count == 2,
            // Read back from the project's folder: only ever a switch port of this home's.
            link[1].hasPrefix(home.runtime + "/"), link[1].hasSuffix(".sock"), !link[1].contains("/../")
        else { return }
        let (network, socket) = (link[0], link[1])
        if let proxy = host.proxy {
            await tunnels.cancel(network: network, proxy: proxy, listen: socket, port: nic2Port(context, id: id))
            for forward in Self.carriedForwards(MachineRecords.forwards(context)) {
                await tunnels.cancel(network: network, proxy: proxy, listen: "\(forward.hostIP):\(forward.host)", port: forward.host)
            }
        } else {
            unlink(Self.tcpEntry(socket))
        }
        context.folder.remove("nic2_link")
    }

    /// The forwarded ports a remote machine's SSH connection carries here.
    static func carriedForwards(_ forwards: [PortForward]) -> [PortForward] {
        forwards.filter { $0.id != "ssh" && $0.proto == "tcp" }
    }

    static func tcpEntry(_ socket: String) -> String {
        (socket.hasSuffix(".sock") ? String(socket.dropLast(5)) : socket) + ".tcp"
    }

    /// The environment's network is gone: so are its SSH connections to the hosts.
    public func removeInternalNetwork(_ network: InternalNetwork) async {
        await tunnels.closeAll(network: network.name)
    }

    /// Picks a host for a machine that names none: among those with the box's architecture
    /// (any, when none has it: the machine then runs emulated), the one with the most free
    /// memory. Unreachable hosts are skipped; none reachable is an error naming them.
    func place(_ context: MachineContext, on candidates: [LibvirtHost]) async throws(MachineError) -> LibvirtHost {
        let wanted = guestArchitecture(context) == "arm64" ? "aarch64" : "x86_64"
        var reached: [(host: LibvirtHost, free: UInt64, arch: String)] = []
        var failures: [String] = []
        for host in candidates {
            let probe = await onDedicatedThread { () throws(MachineError) -> (UInt64, String) in
                let connection = try self.connection(host)
                let arch = (try? connection.capabilities()).flatMap(Self.hostArchitecture) ?? ""
                return (connection.freeMemory(), arch)
            }
            switch probe {
            case .success(let (free, arch)): reached.append((host, free, arch))
            case .failure(let error): failures.append("\(host.uri): \(error.message)")
            }
        }
        let native = reached.filter { $0.arch == wanted }
        guard let best = (native.isEmpty ? reached : native).max(by: { $0.free < $1.free }) else {
            throw MachineError.noLibvirtHostReached(failures)
        }
        return best.host
    }

    /// `<host><cpu><arch>` of libvirt's capabilities XML.
    static func hostArchitecture(_ capabilities: String) -> String? {
        guard let host = capabilities.range(of: "<host>"),
            let open = capabilities.range(of: "<arch>", range: host.upperBound..<capabilities.endIndex),
            let close = capabilities.range(of: "</arch>", range: open.upperBound..<capabilities.endIndex)
        else { return nil }
        return String(capabilities[open.upperBound..<close.lowerBound])
    }
}

/// The connections of one boxer process, one per URI, opened when first needed and opened
/// again when the daemon or the SSH link went away: each `qemu+ssh://` connection is an SSH
/// login, too slow to make for every question `status` asks.
final class LibvirtConnections: @unchecked Sendable {
    private let lock = NSLock()
    private var open: [String: LibvirtConnection] = [:]

    func connection(_ uri: String) throws(MachineError) -> LibvirtConnection {
        lock.lock()
        let existing = open[uri]
        lock.unlock()
        if let existing, existing.api.pointee.virConnectIsAlive(existing.handle) == 1 { return existing }
        let made = try LibvirtConnection.open(uri)
        lock.lock()
        open[uri] = made
        lock.unlock()
        return made
    }
}
