import BoxerSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The userspace Ethernet switch of one environment network (`EnvironmentSubnet`). Each machine's
/// QEMU listens on a unix socket of its own in `portsFolder` (`-netdev stream,server=on`,
/// frames as a 4-byte big-endian length and the frame); the switch connects to every socket
/// there, learns where each MAC address is, forwards unicast to that port and floods the rest,
/// and answers as the network's .1 itself: ARP, ICMP echo, and DHCP (leases persisted, static
/// reservations re-read when their file changes). No host interface and no root: the addresses
/// exist only inside the guests and here.
///
/// The switch is the client so the network heals by itself: QEMU listens again when its peer
/// goes, so a switch that was killed and started again connects to the same sockets and every
/// running machine is back, without a reboot. A stream (not datagrams) because QEMU reads a
/// stream in batches, which is what keeps a TCG guest's throughput near a direct link.
///
/// One thread, `poll`, non-blocking sockets. A port whose queue passes 4 MiB (a guest flooding
/// faster than another reads) loses frames, not the switch; a port that sends a length no
/// Ethernet frame has cannot be resynchronised and is closed.
public final class EnvironmentSwitch {
    public let subnet: EnvironmentSubnet
    public let portsFolder: String
    public let leasesPath: String
    public let reservationsPath: String?
    public private(set) var dhcp: DHCPServer
    public let gatewayMAC: MACAddress
    private let gatewayKey: UInt64
    var gatewayAddress: IPv4Address { dhcp.serverAddress }

    private var ports: [Int32: Port] = [:]
    /// Where each MAC address was last seen (the address as a 48-bit number: no allocation per
    /// frame).
    private var table: [UInt64: Int32] = [:]
    /// Ports with frames queued since the last flush: written once per batch of frames read,
    /// so QEMU reads them in batches too (one write per frame would make the receiving guest
    /// take an interrupt and send an ACK per frame).
    private var dirty: Set<Int32> = []
    /// Sockets that refused a connection, by inode: tried again only when a new QEMU has made
    /// a new socket there.
    private var refused: [String: UInt64] = [:]
    private var lastScan: UInt64 = 0
    private var reservationsStamp: [Int] = []
    private var chunk = [UInt8](repeating: 0, count: 256 << 10)
    static let maximumFrame = 65_535 + 18
    static let queueLimit = 4 << 20
    /// How often the ports folder is looked at for machines that started.
    static let scanInterval: UInt64 = 200_000_000

    final class Port {
        let path: String
        var input: [UInt8] = []
        var inputStart = 0
        var output: [UInt8] = []
        var outputStart = 0
        init(path: String) { self.path = path }
        var pendingOutput: Int { output.count - outputStart }
    }

    public init(subnet: EnvironmentSubnet, portsFolder: String, leasesPath: String, reservationsPath: String? = nil) {
        self.subnet = subnet
        self.portsFolder = portsFolder
        self.leasesPath = leasesPath
        self.reservationsPath = reservationsPath
        // 52:54:00:fe:00:X for 192.168.X.0/24, as before (guests keep the .1 they learnt).
        let tail = subnet.standardX.map { [0, UInt8($0)] } ?? Array(subnet.base.bytes[1...2])
        self.gatewayMAC = MACAddress(bytes: ([0x52, 0x54, 0x00, 0xfe] + tail)[...]) ?? .broadcast
        self.gatewayKey = gatewayMAC.bytes.reduce(0) { $0 << 8 | UInt64($1) }
        dhcp = DHCPServer(subnet: subnet, leases: DHCPLeases.load(leasesPath, subnet: subnet))
        reloadReservations()
    }

    /// Connects to the machines that are already there (after a restart: all of them).
    public func start() throws(NetworkError) {
        guard HostFiles.kind(of: portsFolder) == .directory else { throw NetworkError.noPortsFolder(path: portsFolder) }
        scan()
    }

    /// Serves until `shouldStop` says so (checked at least every `tick` milliseconds).
    public func run(tick: Int32 = 200, shouldStop: () -> Bool = { false }) {
        var pacing = Pacing()
        while !shouldStop() {
            let (frames, bytes) = (largeFramesSeen, bytesSeen)
            step(timeout: tick)
            let nap = pacing.nap(afterLargeFrames: largeFramesSeen - frames, bytes: bytesSeen - bytes, now: Self.monotonic())
            if nap > 0 { usleep(nap) }
        }
    }

    /// Frames of at least 1 KiB read so far, and all bytes read: what `Pacing` watches.
    public private(set) var largeFramesSeen = 0
    public private(set) var bytesSeen = 0

    /// Interrupt coalescing, as a NIC does it. While a bulk transfer goes through (full-size
    /// frames back to back), the switch waits a moment before it looks again, so each wake
    /// moves a batch: on a host whose cores are busy running the guests a wake per frame costs
    /// the guests their time, and frames that reach the receiving QEMU together are taken by its
    /// guest together, with one ACK for many, as on a direct link. The wait adapts to the flow:
    /// longer while each batch is small (a slow, emulated guest), shorter when batches grow
    /// large (a fast one), so it never caps throughput. Small frames (ping, SSH keystrokes,
    /// ACKs) never start it, and it ends when the flow stops.
    struct Pacing {
        /// Microseconds.
        var current: UInt32 = 0
        var lastBulk: UInt64 = 0
        static let shortest: UInt32 = 250
        static let longest: UInt32 = 8000

        mutating func nap(afterLargeFrames largeFrames: Int, bytes: Int, now: UInt64) -> UInt32 {
            guard largeFrames > 0 else {
                if now &- lastBulk > 20_000_000 { current = 0 }
                return 0
            }
            defer { lastBulk = now }
            guard now &- lastBulk < 2_000_000 || current > 0 else { return 0 }
            if bytes >= 96 << 10 {
                current = current / 2 < Self.shortest ? 0 : current / 2
            } else if bytes < 48 << 10 {
                current = min(max(current * 2, Self.shortest), Self.longest)
            }
            return current
        }
    }

    /// One round of the event loop: new machines' sockets, then frames.
    public func step(timeout: Int32) {
        let now = Self.monotonic()
        if now &- lastScan >= Self.scanInterval { scan() }
        var descriptors: [pollfd] = []
        descriptors.reserveCapacity(ports.count)
        for (fd, port) in ports {
            descriptors.append(pollfd(fd: fd, events: Int16(POLLIN) | (port.pendingOutput == 0 ? 0 : Int16(POLLOUT)), revents: 0))
        }
        guard poll(&descriptors, nfds_t(descriptors.count), timeout) > 0 else { return }
        for entry in descriptors where entry.revents != 0 {
            if entry.revents & Int16(POLLOUT) != 0 { flush(entry.fd) }
            if entry.revents & (Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)) != 0 { receive(entry.fd) }
        }
        flushDirty()
    }

    /// Closes every connection (the machines' QEMUs listen again for the next switch).
    public func stop() {
        for fd in ports.keys { close(fd) }
        ports.removeAll()
        table.removeAll()
    }

    /// The machines' sockets the switch is connected to.
    public var connectedPorts: [String] { ports.values.map(\.path).sorted() }

    // MARK: Connections

    static func monotonic() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Connects to every socket in the ports folder it is not connected to yet: unix sockets
    /// (`<mac>.sock`, a local QEMU's or one forwarded over SSH to a remote host), and `<mac>.tcp`
    /// files naming a loopback TCP port (a machine of the local libvirt daemon, whose socket
    /// NICs listen on TCP only).
    public func scan() {
        lastScan = Self.monotonic()
        let connected = Set(ports.values.map(\.path))
        for name in HostFiles.entries(of: portsFolder) where name.hasSuffix(".sock") || name.hasSuffix(".tcp") {
            let path = portsFolder + "/" + name
            guard !connected.contains(path) else { continue }
            var status = stat()
            guard stat(path, &status) == 0 else { continue }
            let isTCP = name.hasSuffix(".tcp")
            guard isTCP ? status.st_mode & S_IFMT == S_IFREG : status.st_mode & S_IFMT == S_IFSOCK else { continue }
            let inode = UInt64(status.st_ino)
            if refused[path] == inode { continue }
            if let fd = isTCP ? connectLoopback(named: path) : connect(to: path) {
                refused[path] = nil
                ports[fd] = Port(path: path)
            } else {
                refused[path] = inode
            }
        }
    }

    /// Connects to the loopback port a `.tcp` entry names ("127.0.0.1:<port>"); nothing else.
    private func connectLoopback(named path: String) -> Int32? {
        guard let text = try? HostFiles.readText(at: path, limit: 64),
            let port = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":").last.flatMap({ UInt16($0) }),
            text.hasPrefix("127.0.0.1:")
        else { return nil }
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return configured(fd)
    }

    private func connect(to path: String) -> Int32? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (index, byte) in bytes.enumerated() { raw[index] = byte } }
        #if canImport(Glibc)
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return configured(fd)
    }

    /// Non-blocking, with a send buffer that holds a burst of frames.
    private func configured(_ fd: Int32) -> Int32 {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var size: Int32 = 1 << 20
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    private func drop(_ fd: Int32) {
        close(fd)
        if let port = ports[fd] {
            // QEMU listens again if it still runs; a new connection is tried at the next scan.
            refused[port.path] = nil
        }
        ports[fd] = nil
        dirty.remove(fd)
        table = table.filter { $0.value != fd }
    }

    private func receive(_ fd: Int32) {
        guard let port = ports[fd] else { return }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return drop(fd) }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { break }
                return drop(fd)
            }
            port.input.append(contentsOf: chunk[0..<count])
            if count < chunk.count { break }
        }
        var offset = port.inputStart
        while port.input.count - offset >= 4 {
            let length =
                Int(port.input[offset]) << 24 | Int(port.input[offset + 1]) << 16 | Int(port.input[offset + 2]) << 8
                | Int(port.input[offset + 3])
            guard length >= 14, length <= Self.maximumFrame else { return drop(fd) }
            guard port.input.count - offset - 4 >= length else { break }
            handle(port.input[offset + 4..<offset + 4 + length], from: fd)
            if length >= 1024 { largeFramesSeen &+= 1 }
            bytesSeen &+= length
            offset += 4 + length
            guard ports[fd] != nil else { return }
        }
        if offset == port.input.count {
            port.input.removeAll(keepingCapacity: true)
            port.inputStart = 0
        } else if offset > 1 << 20 {
            port.input.removeFirst(offset)
            port.inputStart = 0
        } else {
            port.inputStart = offset
        }
    }

    private func send(_ frame: ArraySlice<UInt8>, to fd: Int32) {
        guard let port = ports[fd], port.pendingOutput + frame.count + 4 <= Self.queueLimit else { return }
        let length = UInt32(frame.count)
        port.output.append(UInt8(length >> 24))
        port.output.append(UInt8(length >> 16 & 0xff))
        port.output.append(UInt8(length >> 8 & 0xff))
        port.output.append(UInt8(length & 0xff))
        port.output.append(contentsOf: frame)
        dirty.insert(fd)
    }

    /// Writes what the last batch queued.
    private func flushDirty() {
        guard !dirty.isEmpty else { return }
        let ready = dirty
        dirty.removeAll(keepingCapacity: true)
        for fd in ready { flush(fd) }
    }

    private func flush(_ fd: Int32) {
        guard let port = ports[fd], port.pendingOutput > 0 else { return }
        // MSG_NOSIGNAL: a machine that went away is an error here, not SIGPIPE for the switch.
        let written = port.output.withUnsafeBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return Glibc.send(fd, base + port.outputStart, port.pendingOutput, Int32(MSG_NOSIGNAL))
        }
        if written > 0 {
            port.outputStart += written
            if port.outputStart == port.output.count {
                port.output.removeAll(keepingCapacity: true)
                port.outputStart = 0
            } else if port.outputStart > 1 << 20 {
                port.output.removeFirst(port.outputStart)
                port.outputStart = 0
            }
        } else if written < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            drop(fd)
        }
    }

    // MARK: Frames

    func handle(_ frame: ArraySlice<UInt8>, from fd: Int32) {
        guard frame.count >= 14 else { return }
        let start = frame.startIndex
        var destination: UInt64 = 0
        var source: UInt64 = 0
        for index in 0..<6 {
            destination = destination << 8 | UInt64(frame[start + index])
            source = source << 8 | UInt64(frame[start + 6 + index])
        }
        let multicast = frame[start] & 1 == 1
        if frame[start + 6] & 1 == 0 { table[source] = fd }
        if destination == gatewayKey || multicast, let sourceMAC = MACAddress(bytes: frame[start + 6..<start + 12]) {
            answer(Array(frame), from: fd, source: sourceMAC)
        }
        if destination == gatewayKey { return }
        if !multicast, let target = table[destination], ports[target] != nil {
            if target != fd { send(frame, to: target) }
            return
        }
        for other in ports.keys where other != fd { send(frame, to: other) }
    }

    /// Frames for the network's .1: ARP requests, ICMP echo requests, DHCP.
    func answer(_ frame: [UInt8], from fd: Int32, source: MACAddress) {
        guard let type = Frames.u16(frame, 12) else { return }
        if type == Frames.arp {
            // Request (op 1) for the gateway's address → reply.
            guard frame.count >= 42, Frames.u16(frame, 20) == 1,
                let target = IPv4Address(bytes: frame[38..<42]), target == gatewayAddress
            else { return }
            let arp: [UInt8] =
                [0, 1, 8, 0, 6, 4, 0, 2] + gatewayMAC.bytes + gatewayAddress.bytes + Array(frame[22..<28]) + Array(frame[28..<32])
            send(Frames.ethernet(destination: source, source: gatewayMAC, type: Frames.arp, payload: arp)[...], to: fd)
            return
        }
        guard type == Frames.ipv4, frame.count >= 34, frame[14] >> 4 == 4 else { return }
        let headerLength = Int(frame[14] & 0x0f) * 4
        guard headerLength >= 20, frame.count >= 14 + headerLength, let total = Frames.u16(frame, 16), Int(total) >= headerLength,
            frame.count >= 14 + Int(total), let sender = IPv4Address(bytes: frame[26..<30]),
            let destination = IPv4Address(bytes: frame[30..<34])
        else { return }
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
            send(Frames.ethernet(destination: source, source: gatewayMAC, type: Frames.ipv4, payload: packet)[...], to: fd)
        case 17 where payload.count >= 8 && Frames.u16(payload, 2) == 67:
            guard let message = DHCPMessage.parse(Array(payload[8...])) else { return }
            reloadReservations()
            guard let reply = dhcp.handle(message) else { return }
            saveLeases()
            let broadcast = reply.flags & 0x8000 != 0 || reply.yourAddress.value == 0 || reply.kind == .nak
            let packet = Frames.ipv4Packet(
                source: gatewayAddress, destination: broadcast ? IPv4Address(0xffff_ffff) : reply.yourAddress, protocolNumber: 17,
                payload: Frames.udp(sourcePort: 67, destinationPort: 68, payload: reply.serialized()))
            send(
                Frames.ethernet(
                    destination: broadcast ? .broadcast : message.clientHardware, source: gatewayMAC, type: Frames.ipv4, payload: packet)[
                        ...], to: fd)
        default:
            return
        }
    }

    /// Leases on disk, replaced whole, so a machine keeps its address across halt, up and a
    /// restarted switch.
    func saveLeases() {
        DHCPLeases.save(dhcp.leases, to: leasesPath)
    }

    /// Static addresses, read again when `boxer up` has changed the file (checked per DHCP
    /// message, which is rare).
    func reloadReservations() {
        guard let reservationsPath else { return }
        var status = stat()
        let stamp =
            stat(reservationsPath, &status) == 0
            ? [Int(status.st_ino), Int(status.st_size), Int(status.st_mtim.tv_sec), Int(status.st_mtim.tv_nsec)] : []
        guard stamp != reservationsStamp else { return }
        reservationsStamp = stamp
        let reservations = NetworkReservations.read(reservationsPath) ?? NetworkReservations()
        dhcp.reservations = reservations.byMAC
        dhcp.excluded = Set(reservations.excluded)
    }
}
