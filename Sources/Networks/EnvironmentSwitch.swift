import BoxerSupport
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The userspace Ethernet switch of one environment network, 192.168.X.0/24: QEMU's second NICs
/// connect to its unix socket (`-netdev stream`, frames as a 4-byte big-endian length and the
/// frame); it learns where each MAC address is, forwards unicast to that port and floods the
/// rest, and answers as 192.168.X.1 itself: ARP, ICMP echo, and DHCP (leases persisted). No host
/// interface and no root: the addresses exist only inside the guests and here.
///
/// One thread, `poll`, non-blocking sockets. A port whose queue passes 4 MiB (a guest flooding
/// faster than another reads) loses frames, not the switch; a port that sends a length no
/// Ethernet frame has cannot be resynchronised and is closed.
public final class EnvironmentSwitch {
    public let subnet: Int
    public let socketPath: String
    public let leasesPath: String
    public private(set) var dhcp: DHCPServer
    public let gatewayMAC: MACAddress
    var gatewayAddress: IPv4Address { dhcp.serverAddress }

    private var listener: Int32 = -1
    private var ports: [Int32: Port] = [:]
    private var table: [MACAddress: Int32] = [:]
    static let maximumFrame = 65_535 + 18
    static let queueLimit = 4 << 20

    final class Port {
        var input: [UInt8] = []
        var output: [UInt8] = []
    }

    public init(subnet: Int, socketPath: String, leasesPath: String, reservations: [MACAddress: IPv4Address] = [:]) {
        self.subnet = subnet
        self.socketPath = socketPath
        self.leasesPath = leasesPath
        self.gatewayMAC = MACAddress(bytes: [0x52, 0x54, 0x00, 0xfe, 0x00, UInt8(truncatingIfNeeded: subnet)][...]) ?? .broadcast
        let leases = (try? JSONDecoder().decode([String: DHCPLease].self, from: Data(contentsOf: URL(fileURLWithPath: leasesPath)))) ?? [:]
        var known: [MACAddress: DHCPLease] = [:]
        for (text, lease) in leases { if let mac = MACAddress(text) { known[mac] = lease } }
        dhcp = DHCPServer(subnet: subnet, leases: known, reservations: reservations)
    }

    /// Opens the socket (replacing a stale one) so machines can connect.
    public func start() throws(NetworkError) {
        unlink(socketPath)
        #if canImport(Glibc)
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        listener = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard listener >= 0 else { throw NetworkError("cannot create the switch socket") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { throw NetworkError("the switch socket path \(socketPath) is too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (index, byte) in path.enumerated() { raw[index] = byte } }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            throw NetworkError("cannot listen on \(socketPath): \(String(cString: strerror(errno)))")
        }
        setNonBlocking(listener)
    }

    /// Serves until `shouldStop` says so (checked at least every `tick` milliseconds).
    public func run(tick: Int32 = 500, shouldStop: () -> Bool = { false }) {
        while !shouldStop() { step(timeout: tick) }
    }

    /// One round of the event loop.
    public func step(timeout: Int32) {
        var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
        for (fd, port) in ports {
            descriptors.append(pollfd(fd: fd, events: Int16(POLLIN) | (port.output.isEmpty ? 0 : Int16(POLLOUT)), revents: 0))
        }
        guard poll(&descriptors, nfds_t(descriptors.count), timeout) > 0 else { return }
        for entry in descriptors where entry.revents != 0 {
            if entry.fd == listener {
                acceptAll()
            } else {
                if entry.revents & Int16(POLLOUT) != 0 { flush(entry.fd) }
                if entry.revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 { receive(entry.fd) }
            }
        }
    }

    /// Closes every connection and the socket.
    public func stop() {
        for fd in ports.keys { close(fd) }
        ports.removeAll()
        if listener >= 0 { close(listener) }
        unlink(socketPath)
    }

    // MARK: Connections

    private func acceptAll() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            setNonBlocking(fd)
            ports[fd] = Port()
        }
    }

    private func drop(_ fd: Int32) {
        close(fd)
        ports[fd] = nil
        table = table.filter { $0.value != fd }
    }

    private func receive(_ fd: Int32) {
        guard let port = ports[fd] else { return }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return drop(fd) }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { break }
                return drop(fd)
            }
            port.input += chunk[0..<count]
        }
        var offset = 0
        while port.input.count - offset >= 4 {
            let length = port.input[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            guard length >= 14, length <= Self.maximumFrame else { return drop(fd) }
            guard port.input.count - offset - 4 >= length else { break }
            let frame = Array(port.input[offset + 4..<offset + 4 + length])
            offset += 4 + length
            handle(frame, from: fd)
        }
        port.input.removeFirst(offset)
    }

    private func send(_ frame: [UInt8], to fd: Int32) {
        guard let port = ports[fd], port.output.count + frame.count + 4 <= Self.queueLimit else { return }
        let length = UInt32(frame.count)
        port.output += [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)] + frame
        flush(fd)
    }

    private func flush(_ fd: Int32) {
        guard let port = ports[fd], !port.output.isEmpty else { return }
        // MSG_NOSIGNAL: a machine that went away is an error here, not SIGPIPE for the switch.
        let written = port.output.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if written > 0 { port.output.removeFirst(written) }
        else if written < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { drop(fd) }
    }

    // MARK: Frames

    func handle(_ frame: [UInt8], from fd: Int32) {
        guard let destination = MACAddress(bytes: frame[0..<6]), let source = MACAddress(bytes: frame[6..<12]) else { return }
        if !source.isMulticast { table[source] = fd }
        if destination == gatewayMAC || destination.isMulticast { answer(frame, from: fd, source: source) }
        if destination == gatewayMAC { return }
        if !destination.isMulticast, let target = table[destination], ports[target] != nil {
            if target != fd { send(frame, to: target) }
            return
        }
        for other in ports.keys where other != fd { send(frame, to: other) }
    }

    /// Frames for 192.168.X.1: ARP requests, ICMP echo requests, DHCP.
    func answer(_ frame: [UInt8], from fd: Int32, source: MACAddress) {
        guard let type = Frames.u16(frame, 12) else { return }
        if type == Frames.arp {
            // Request (op 1) for the gateway's address → reply.
            guard frame.count >= 42, Frames.u16(frame, 20) == 1,
                  let target = IPv4Address(bytes: frame[38..<42]), target == gatewayAddress else { return }
            let arp: [UInt8] = [0, 1, 8, 0, 6, 4, 0, 2] + gatewayMAC.bytes + gatewayAddress.bytes + Array(frame[22..<28]) + Array(frame[28..<32])
            send(Frames.ethernet(destination: source, source: gatewayMAC, type: Frames.arp, payload: arp), to: fd)
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
            send(Frames.ethernet(destination: source, source: gatewayMAC, type: Frames.ipv4, payload: packet), to: fd)
        case 17 where payload.count >= 8 && Frames.u16(payload, 2) == 67:
            guard let message = DHCPMessage.parse(Array(payload[8...])), let reply = dhcp.handle(message) else { return }
            saveLeases()
            let broadcast = reply.flags & 0x8000 != 0 || reply.yourAddress.value == 0 || reply.kind == .nak
            let packet = Frames.ipv4Packet(source: gatewayAddress, destination: broadcast ? IPv4Address(0xffff_ffff) : reply.yourAddress, protocolNumber: 17,
                                           payload: Frames.udp(sourcePort: 67, destinationPort: 68, payload: reply.serialized()))
            send(Frames.ethernet(destination: broadcast ? .broadcast : message.clientHardware, source: gatewayMAC, type: Frames.ipv4, payload: packet), to: fd)
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

    private func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }
}
