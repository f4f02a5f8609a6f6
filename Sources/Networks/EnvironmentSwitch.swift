import BoxerSupport
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The userspace Ethernet switch of one environment network, 192.168.X.0/24: QEMU's second NICs
/// send it their frames as unix datagrams (`-netdev dgram`, one frame per datagram, from a
/// socket of their own in `portsFolder`); it learns where each MAC address is, forwards unicast
/// to that port and floods the rest, and answers as 192.168.X.1 itself: ARP, ICMP echo, and DHCP
/// (leases persisted, static reservations re-read when their file changes). No host interface
/// and no root: the addresses exist only inside the guests and here.
///
/// Datagrams, not a stream, so the network heals by itself: a switch that died and was started
/// again binds the same path, every QEMU keeps sending there, and the switch finds the machines'
/// sockets in `portsFolder`. One thread, `poll`, a non-blocking socket. A port that reads more
/// slowly than others send gets a bounded queue and then loses frames (Ethernet may), never
/// holding up the rest; a datagram that is not an Ethernet frame is ignored.
public final class EnvironmentSwitch {
    public let subnet: Int
    public let socketPath: String
    public let portsFolder: String
    public let leasesPath: String
    public let reservationsPath: String?
    public private(set) var dhcp: DHCPServer
    public let gatewayMAC: MACAddress
    var gatewayAddress: IPv4Address { dhcp.serverAddress }

    private var socketDescriptor: Int32 = -1
    /// Machines' socket paths → frames waiting for room in their receive queue.
    private var ports: [String: [[UInt8]]] = [:]
    private var table: [MACAddress: String] = [:]
    private var reservationsStamp: [Int] = []
    private var buffer = [UInt8](repeating: 0, count: 65_536 + 18)
    static let minimumFrame = 14
    static let queueLimit = 512

    public init(subnet: Int, socketPath: String, portsFolder: String, leasesPath: String, reservationsPath: String? = nil) {
        self.subnet = subnet
        self.socketPath = socketPath
        self.portsFolder = portsFolder
        self.leasesPath = leasesPath
        self.reservationsPath = reservationsPath
        self.gatewayMAC = MACAddress(bytes: [0x52, 0x54, 0x00, 0xfe, 0x00, UInt8(truncatingIfNeeded: subnet)][...]) ?? .broadcast
        let leases = (try? JSONDecoder().decode([String: DHCPLease].self, from: Data(contentsOf: URL(fileURLWithPath: leasesPath)))) ?? [:]
        var known: [MACAddress: DHCPLease] = [:]
        for (text, lease) in leases { if let mac = MACAddress(text) { known[mac] = lease } }
        dhcp = DHCPServer(subnet: subnet, leases: known)
        reloadReservations()
    }

    /// Binds the socket (replacing a stale one) and finds the machines that are already there.
    public func start() throws(NetworkError) {
        unlink(socketPath)
        #if canImport(Glibc)
        socketDescriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #else
        socketDescriptor = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard socketDescriptor >= 0 else { throw NetworkError("cannot create the switch socket") }
        guard var address = Self.address(socketPath) else { throw NetworkError("the switch socket path \(socketPath) is too long (unix sockets allow 107 bytes); use a shorter BOXER_HOME") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketDescriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            throw NetworkError("cannot bind \(socketPath): \(String(cString: strerror(errno)))")
        }
        _ = fcntl(socketDescriptor, F_SETFL, fcntl(socketDescriptor, F_GETFL) | O_NONBLOCK)
        var size: Int32 = 4 << 20
        _ = setsockopt(socketDescriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(socketDescriptor, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        // After a restart: the machines that were connected are silent until they send, so
        // their sockets are found where boxer puts them.
        for name in HostFiles.entries(of: portsFolder) where name.hasSuffix(".sock") {
            ports[portsFolder + "/" + name] = ports[portsFolder + "/" + name] ?? []
        }
    }

    /// Serves until `shouldStop` says so (checked at least every `tick` milliseconds).
    public func run(tick: Int32 = 500, shouldStop: () -> Bool = { false }) {
        while !shouldStop() { step(timeout: tick) }
    }

    /// One round of the event loop: wait for frames (or for room to send queued ones), handle
    /// what arrived, retry the queues.
    public func step(timeout: Int32) {
        let waiting = ports.values.contains { !$0.isEmpty }
        var entry = pollfd(fd: socketDescriptor, events: Int16(POLLIN), revents: 0)
        if poll(&entry, 1, waiting ? min(timeout, 1) : timeout) > 0 {
            // A bounded batch, so queued frames get their turn under a flood.
            for _ in 0..<256 {
                guard let (frame, sender) = receiveOne() else { break }
                if let sender, ports[sender] == nil { ports[sender] = [] }
                handle(frame, from: sender)
            }
        }
        if waiting { flushQueues() }
    }

    /// Closes the socket.
    public func stop() {
        if socketDescriptor >= 0 { close(socketDescriptor) }
        socketDescriptor = -1
        unlink(socketPath)
    }

    /// The ports (machines' sockets) the switch knows.
    public var knownPorts: [String] { ports.keys.sorted() }

    // MARK: Datagrams

    static func address(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (index, byte) in bytes.enumerated() { raw[index] = byte } }
        return address
    }

    private func receiveOne() -> ([UInt8], String?)? {
        var from = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let count = buffer.withUnsafeMutableBytes { raw in
            withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(socketDescriptor, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, &length) }
            }
        }
        guard count >= 0 else { return nil }
        let pathLength = Int(length) - MemoryLayout.offset(of: \sockaddr_un.sun_path)!
        var sender: String?
        if pathLength > 0 {
            sender = withUnsafeBytes(of: &from.sun_path) { raw in
                let bytes = raw.prefix(pathLength).prefix { $0 != 0 }
                return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
            }
        }
        return (Array(buffer[0..<count]), sender)
    }

    /// Sends now, or queues behind what waits for that port; a port whose socket is gone (its
    /// machine stopped) is forgotten.
    private func send(_ frame: [UInt8], to port: String) {
        guard var queue = ports[port] else { return }
        if !queue.isEmpty {
            if queue.count < Self.queueLimit { queue.append(frame); ports[port] = queue }
            return
        }
        switch transmit(frame, to: port) {
        case .sent: break
        case .full: ports[port] = [frame]
        case .gone: forget(port)
        }
    }

    private func flushQueues() {
        for (port, queue) in ports where !queue.isEmpty {
            var remaining = queue[...]
            loop: while let frame = remaining.first {
                switch transmit(frame, to: port) {
                case .sent: remaining = remaining.dropFirst()
                case .full: break loop
                case .gone: forget(port); remaining = []; break loop
                }
            }
            if ports[port] != nil { ports[port] = Array(remaining) }
        }
    }

    enum Outcome { case sent, full, gone }

    private func transmit(_ frame: [UInt8], to port: String) -> Outcome {
        guard var address = Self.address(port) else { return .gone }
        let sent = frame.withUnsafeBytes { raw in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(socketDescriptor, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL), $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
        if sent >= 0 { return .sent }
        switch errno {
        case EAGAIN, EWOULDBLOCK, ENOBUFS, EINTR: return .full
        case ECONNREFUSED, ENOENT, ENOTDIR, EPERM, EACCES: return .gone
        default: return .full
        }
    }

    private func forget(_ port: String) {
        ports[port] = nil
        table = table.filter { $0.value != port }
    }

    // MARK: Frames

    /// A frame from a machine's port (nil: a sender without an address, which can be answered
    /// by nobody but still reaches the others).
    func handle(_ frame: [UInt8], from port: String?) {
        guard frame.count >= Self.minimumFrame, let destination = MACAddress(bytes: frame[0..<6]), let source = MACAddress(bytes: frame[6..<12]) else { return }
        if !source.isMulticast, let port { table[source] = port }
        if let port, destination == gatewayMAC || destination.isMulticast { answer(frame, from: port, source: source) }
        if destination == gatewayMAC { return }
        if !destination.isMulticast, let target = table[destination], ports[target] != nil {
            if target != port { send(frame, to: target) }
            return
        }
        for other in ports.keys where other != port { send(frame, to: other) }
    }

    /// Frames for 192.168.X.1: ARP requests, ICMP echo requests, DHCP.
    func answer(_ frame: [UInt8], from port: String, source: MACAddress) {
        guard let type = Frames.u16(frame, 12) else { return }
        if type == Frames.arp {
            // Request (op 1) for the gateway's address → reply.
            guard frame.count >= 42, Frames.u16(frame, 20) == 1,
                  let target = IPv4Address(bytes: frame[38..<42]), target == gatewayAddress else { return }
            let arp: [UInt8] = [0, 1, 8, 0, 6, 4, 0, 2] + gatewayMAC.bytes + gatewayAddress.bytes + Array(frame[22..<28]) + Array(frame[28..<32])
            send(Frames.ethernet(destination: source, source: gatewayMAC, type: Frames.arp, payload: arp), to: port)
            return
        }
        guard type == Frames.ipv4, frame.count >= 34, frame[14] >> 4 == 4 else { return }
        let headerLength = Int(frame[14] & 0x0f) * 4
        guard headerLength >= 20, frame.count >= 14 + headerLength, let total = Frames.u16(frame, 16), Int(total) >= headerLength,
              frame.count >= 14 + Int(total), let sender = IPv4Address(bytes: frame[26..<30]), let destination = IPv4Address(bytes: frame[30..<34]) else { return }
        let payload = Array(frame[14 + headerLength..<14 + Int(total)])
        switch frame[23] {
        case 1 where destination == gatewayAddress && payload.count >= 8 && payload[0] == 8:
            var reply = payload
            reply[0] = 0
            reply[2] = 0
            reply[3] = 0
            let sum = Frames.checksum(reply[...])
            reply[2] = UInt8(sum >> 8)
            reply[3] = UInt8(sum & 0xff)
            let packet = Frames.ipv4Packet(source: gatewayAddress, destination: sender, protocolNumber: 1, payload: reply)
            send(Frames.ethernet(destination: source, source: gatewayMAC, type: Frames.ipv4, payload: packet), to: port)
        case 17 where payload.count >= 8 && Frames.u16(payload, 2) == 67:
            guard let message = DHCPMessage.parse(Array(payload[8...])) else { return }
            reloadReservations()
            guard let reply = dhcp.handle(message) else { return }
            saveLeases()
            let broadcast = reply.flags & 0x8000 != 0 || reply.yourAddress.value == 0 || reply.kind == .nak
            let packet = Frames.ipv4Packet(source: gatewayAddress, destination: broadcast ? IPv4Address(0xffff_ffff) : reply.yourAddress, protocolNumber: 17,
                                           payload: Frames.udp(sourcePort: 67, destinationPort: 68, payload: reply.serialized()))
            send(Frames.ethernet(destination: broadcast ? .broadcast : message.clientHardware, source: gatewayMAC, type: Frames.ipv4, payload: packet), to: port)
        default:
            return
        }
    }

    /// Leases on disk, replaced whole, so a machine keeps its address across halt, up and a
    /// restarted switch.
    func saveLeases() {
        var byText: [String: DHCPLease] = [:]
        for (mac, lease) in dhcp.leases { byText[mac.description] = lease }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(byText) else { return }
        let temporary = leasesPath + ".tmp-\(getpid())"
        if (try? data.write(to: URL(fileURLWithPath: temporary))) != nil { rename(temporary, leasesPath) }
    }

    /// Static addresses, read again when `boxer up` has changed the file (checked per DHCP
    /// message, which is rare).
    func reloadReservations() {
        guard let reservationsPath else { return }
        var status = stat()
        let stamp = stat(reservationsPath, &status) == 0 ? [Int(status.st_ino), Int(status.st_size), Int(status.st_mtim.tv_sec), Int(status.st_mtim.tv_nsec)] : []
        guard stamp != reservationsStamp else { return }
        reservationsStamp = stamp
        let reservations = NetworkReservations.read(reservationsPath) ?? NetworkReservations()
        dhcp.reservations = reservations.byMAC
        dhcp.excluded = Set(reservations.excluded)
    }
}
