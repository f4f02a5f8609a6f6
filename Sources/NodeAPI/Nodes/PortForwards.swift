import BoxerSupport
import Foundation

/// A port forward added through the API on a node's NAT (NIC1), kept in the node's folder
/// (`forwards.json`) so it comes back when the node starts again.
public struct PortForwardRecord: Codable, Sendable, Equatable {
    public var id: String
    public var proto: String
    public var hostIP: String
    public var hostPort: Int
    public var guestPort: Int

    enum CodingKeys: String, CodingKey {
        case id
        case proto = "protocol"
        case hostIP = "host_ip"
        case hostPort = "host_port"
        case guestPort = "guest_port"
    }

    /// `tcp-127.0.0.1-8080`: one forward per protocol, address and host port, as QEMU keys them.
    static func id(proto: String, hostIP: String, hostPort: Int) -> String { "\(proto)-\(hostIP)-\(hostPort)" }
}

/// `POST /v1/nodes/{name}/forwards`: `{"guest_port", "host_port", "host_ip", "protocol"}`.
public struct PortForwardRequest: Sendable, Equatable, Decodable {
    public var guestPort: Int
    public var hostPort: Int?
    public var hostIP: String
    public var proto: String

    public init(guestPort: Int, hostPort: Int? = nil, hostIP: String = "127.0.0.1", proto: String = "tcp") {
        self.guestPort = guestPort
        self.hostPort = hostPort
        self.hostIP = hostIP
        self.proto = proto
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case proto = "protocol"
        case guestPort = "guest_port"
        case hostPort = "host_port"
        case hostIP = "host_ip"
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guestPort = try container.decode(Int.self, forKey: .guestPort)
        hostPort = try container.decodeIfPresent(Int.self, forKey: .hostPort)
        hostIP = try container.decodeIfPresent(String.self, forKey: .hostIP) ?? "127.0.0.1"
        proto = try container.decodeIfPresent(String.self, forKey: .proto) ?? "tcp"
    }

    func check() throws(NodeError) {
        guard (1...65535).contains(guestPort) else { throw NodeError(.badRequest, "guest_port \(guestPort) is not a port (1 to 65535).") }
        if let hostPort, !(1024...65535).contains(hostPort) {
            throw NodeError(.badRequest, "host_port \(hostPort) is not a port boxer forwards from (1024 to 65535; omit it for a free one).")
        }
        guard proto == "tcp" || proto == "udp" else { throw NodeError(.badRequest, "protocol \(proto) is neither tcp nor udp.") }
        var address = in_addr()
        guard inet_pton(AF_INET, hostIP, &address) == 1 else {
            throw NodeError(.badRequest, "host_ip \(hostIP) is not an IPv4 address such as 127.0.0.1.")
        }
    }
}

extension NodeService {
    func forwardsFile(_ name: String) -> String { store.path(of: name) + "/forwards.json" }

    public func forwards(of name: String) throws(NodeError) -> [PortForwardRecord] {
        guard try store.record(name) != nil else { throw NodeError.noNode(name) }
        return readForwards(name)
    }

    func readForwards(_ name: String) -> [PortForwardRecord] {
        guard let text = try? HostFiles.readText(at: forwardsFile(name), limit: 1 << 20) else { return [] }
        return (try? JSONDecoder().decode([PortForwardRecord].self, from: Data(text.utf8))) ?? []
    }

    func writeForwards(_ forwards: [PortForwardRecord], of name: String) throws(NodeError) {
        let encoder = NodeStore.encoder
        do {
            try PrivateFiles.writeAtomically(forwardsFile(name), Array(try encoder.encode(forwards)) + [10])
        } catch {
            throw NodeError.cannotWrite(forwardsFile(name), "\(error)")
        }
    }

    /// Adds a forward to the running node (QEMU's `hostfwd_add`) and keeps it for its next starts.
    public func addForward(_ request: PortForwardRequest, to name: String) async throws(NodeError) -> PortForwardRecord {
        try request.check()
        let ticket = try hold(name, ready: true)
        defer { ticket.lock.unlock() }
        guard let monitor = try await monitor(of: ticket.record) else {
            throw NodeError(.conflict, "Node \(name) is not running; start it, then add the forward.")
        }
        var hostPort = request.hostPort ?? 0
        if request.hostPort == nil { hostPort = try Self.freePort(on: request.hostIP, proto: request.proto) }
        let forward = PortForwardRecord(
            id: PortForwardRecord.id(proto: request.proto, hostIP: request.hostIP, hostPort: hostPort), proto: request.proto,
            hostIP: request.hostIP, hostPort: hostPort, guestPort: request.guestPort)
        var forwards = readForwards(name)
        if forwards.contains(where: { $0.id == forward.id }) {
            throw NodeError(.conflict, "Node \(name) forwards \(request.hostIP):\(hostPort)/\(request.proto) already.")
        }
        try monitor.addForward(forward)
        forwards.append(forward)
        try writeForwards(forwards, of: name)
        return forward
    }

    public func removeForward(_ id: String, from name: String) async throws(NodeError) {
        let ticket = try hold(name, ready: true)
        defer { ticket.lock.unlock() }
        var forwards = readForwards(name)
        guard let forward = forwards.first(where: { $0.id == id }) else {
            throw NodeError(.notFound, "Node \(name) has no port forward \(id); GET /v1/nodes/\(name)/forwards lists them.")
        }
        if let monitor = try await monitor(of: ticket.record) { try monitor.removeForward(forward) }
        forwards.removeAll { $0.id == id }
        try writeForwards(forwards, of: name)
    }

    /// A port nothing listens on now, from the kernel (bind to port 0).
    static func freePort(on address: String, proto: String) throws(NodeError) -> Int {
        let descriptor = socket(AF_INET, proto == "udp" ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw NodeError(.failed, "No socket for a free port: \(String(cString: strerror(errno))).") }
        defer { close(descriptor) }
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, address, &socketAddress.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            throw NodeError(.badRequest, "No free port on \(address): \(String(cString: strerror(errno))); is it an address of this host?")
        }
        return Int(UInt16(bigEndian: socketAddress.sin_port))
    }
}
