import Foundation

/// A DHCP message (RFC 2131): the BOOTP header, the magic cookie, then options. Parsing checks
/// every length against the bytes there are; a packet that does not add up is nil, never a trap.
public struct DHCPMessage: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case discover = 1
        case offer, request, decline, ack, nak, release, inform
    }

    public var op: UInt8
    public var transactionID: UInt32
    public var flags: UInt16
    public var clientAddress: IPv4Address
    public var yourAddress: IPv4Address
    public var serverAddress: IPv4Address
    public var relayAddress: IPv4Address
    public var clientHardware: MACAddress
    /// Options in the order they appear (code, value); pad and end are not kept.
    public var options: [(UInt8, [UInt8])]

    static let cookie: [UInt8] = [99, 130, 83, 99]

    public init(
        op: UInt8, transactionID: UInt32, flags: UInt16 = 0, clientAddress: IPv4Address = IPv4Address(0),
        yourAddress: IPv4Address = IPv4Address(0),
        serverAddress: IPv4Address = IPv4Address(0), relayAddress: IPv4Address = IPv4Address(0), clientHardware: MACAddress,
        options: [(UInt8, [UInt8])]
    ) {
        self.op = op
        self.transactionID = transactionID
        self.flags = flags
        self.clientAddress = clientAddress
        self.yourAddress = yourAddress
        self.serverAddress = serverAddress
        self.relayAddress = relayAddress
        self.clientHardware = clientHardware
        self.options = options
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.serialized() == rhs.serialized()
    }

    public func option(_ code: UInt8) -> [UInt8]? { options.first { $0.0 == code }?.1 }
    public var kind: Kind? { option(53).flatMap { $0.count == 1 ? Kind(rawValue: $0[0]) : nil } }
    public var requestedAddress: IPv4Address? { option(50).flatMap { IPv4Address(bytes: $0[...]) } }
    public var serverIdentifier: IPv4Address? { option(54).flatMap { IPv4Address(bytes: $0[...]) } }
    public var hostname: String? { option(12).map { String(decoding: $0, as: UTF8.self) } }

    public static func parse(_ bytes: [UInt8]) -> DHCPMessage? {
        guard bytes.count >= 240, bytes[1] == 1, bytes[2] == 6, Array(bytes[236..<240]) == cookie,
            let hardware = MACAddress(bytes: bytes[28..<34])
        else { return nil }
        func word(_ at: Int) -> UInt32 { bytes[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        var options: [(UInt8, [UInt8])] = []
        var index = 240
        while index < bytes.count {
            let code = bytes[index]
            if code == 0 {
                index += 1
                continue
            }
            if code == 255 { break }
            guard index + 1 < bytes.count else { return nil }
            let length = Int(bytes[index + 1])
            guard index + 2 + length <= bytes.count else { return nil }
            options.append((code, Array(bytes[index + 2..<index + 2 + length])))
            index += 2 + length
        }
        return DHCPMessage(
            op: bytes[0], transactionID: word(4), flags: UInt16(bytes[10]) << 8 | UInt16(bytes[11]),
            clientAddress: IPv4Address(word(12)), yourAddress: IPv4Address(word(16)), serverAddress: IPv4Address(word(20)),
            relayAddress: IPv4Address(word(24)), clientHardware: hardware, options: options)
    }

    public func serialized() -> [UInt8] {
        var bytes = [op, 1, 6, 0]
        bytes += IPv4Address(transactionID).bytes
        bytes += [0, 0, UInt8(flags >> 8), UInt8(flags & 0xff)]
        bytes += clientAddress.bytes + yourAddress.bytes + serverAddress.bytes + relayAddress.bytes
        bytes += clientHardware.bytes + [UInt8](repeating: 0, count: 10)
        bytes += [UInt8](repeating: 0, count: 64 + 128)
        bytes += Self.cookie
        for (code, value) in options {
            bytes += [code, UInt8(min(value.count, 255))] + value.prefix(255)
        }
        bytes.append(255)
        // Some clients ignore replies shorter than a BOOTP packet (300 bytes).
        if bytes.count < 300 { bytes += [UInt8](repeating: 0, count: 300 - bytes.count) }
        return bytes
    }
}

/// One address handed out.
public struct DHCPLease: Sendable, Codable, Equatable {
    public var address: IPv4Address
    public var expires: Date
    public var hostname: String?
    /// When the client last asked for it (REQUEST answered with ACK).
    public var granted: Date?

    public init(address: IPv4Address, expires: Date, hostname: String? = nil, granted: Date? = nil) {
        self.address = address
        self.expires = expires
        self.hostname = hostname
        self.granted = granted
    }
}

/// The DHCP server of one environment network (192.168.X.0/24 or the Vagrantfile's), at .1: addresses .2 to
/// .254, reserved addresses (static `private_network ip:`) only for their machine, a lease per
/// client hardware address that it keeps across reboots. No router and no DNS options: NIC1
/// (NAT) is the way out. Pure state: the switch feeds it messages and persists `leases`.
public struct DHCPServer: Sendable {
    public let subnet: EnvironmentSubnet
    public var leases: [MACAddress: DHCPLease]
    /// Static addresses, by the NIC's hardware address.
    public var reservations: [MACAddress: IPv4Address]
    /// Static addresses of machines not created yet: offered to nobody.
    public var excluded: Set<IPv4Address> = []
    /// Addresses a client found in use (DECLINE): not offered again while the server runs.
    public var declined: Set<IPv4Address> = []
    public var leaseSeconds: UInt32

    public init(
        subnet: EnvironmentSubnet, leases: [MACAddress: DHCPLease] = [:], reservations: [MACAddress: IPv4Address] = [:],
        leaseSeconds: UInt32 = 86400
    ) {
        self.subnet = subnet
        self.leases = leases
        self.reservations = reservations
        self.leaseSeconds = leaseSeconds
    }

    public var serverAddress: IPv4Address { subnet.gateway }
    var pool: ClosedRange<UInt32> { subnet.lowest.value...subnet.highest.value }

    /// Whether `address` may go to `client` now.
    func isAvailable(_ address: IPv4Address, for client: MACAddress, now: Date) -> Bool {
        if let reserved = reservations[client] { return reserved == address }
        guard pool.contains(address.value), !declined.contains(address), !excluded.contains(address),
            !reservations.contains(where: { $0.key != client && $0.value == address })
        else { return false }
        return !leases.contains { $0.key != client && $0.value.address == address && $0.value.expires > now }
    }

    /// The address to offer a client: its reservation, its lease, the one it asks for, or the
    /// lowest free one.
    func candidate(for message: DHCPMessage, now: Date) -> IPv4Address? {
        let client = message.clientHardware
        if let reserved = reservations[client] { return reserved }
        if let lease = leases[client], isAvailable(lease.address, for: client, now: now) { return lease.address }
        if let asked = message.requestedAddress, isAvailable(asked, for: client, now: now) { return asked }
        return pool.lazy.map(IPv4Address.init).first { isAvailable($0, for: client, now: now) }
    }

    /// The answer to a client's message, if it gets one.
    public mutating func handle(_ message: DHCPMessage, now: Date = Date()) -> DHCPMessage? {
        guard message.op == 1, let kind = message.kind else { return nil }
        let client = message.clientHardware
        switch kind {
        case .discover:
            guard let address = candidate(for: message, now: now) else { return nil }
            return reply(.offer, to: message, address: address)
        case .request:
            if let server = message.serverIdentifier, server != serverAddress { return nil }  // it chose another server
            let asked = message.requestedAddress ?? message.clientAddress
            guard asked.value != 0, isAvailable(asked, for: client, now: now) else {
                return reply(.nak, to: message, address: IPv4Address(0))
            }
            leases[client] = DHCPLease(
                address: asked, expires: now.addingTimeInterval(TimeInterval(leaseSeconds)), hostname: message.hostname, granted: now)
            return reply(.ack, to: message, address: asked)
        case .decline:
            if let address = message.requestedAddress {
                declined.insert(address)
                if leases[client]?.address == address { leases[client] = nil }
            }
            return nil
        case .release:
            if leases[client]?.address == message.clientAddress { leases[client] = nil }
            return nil
        case .inform:
            return reply(.ack, to: message, address: IPv4Address(0))
        case .offer, .ack, .nak:
            return nil
        }
    }

    func reply(_ kind: DHCPMessage.Kind, to request: DHCPMessage, address: IPv4Address) -> DHCPMessage {
        var options: [(UInt8, [UInt8])] = [(53, [kind.rawValue]), (54, serverAddress.bytes)]
        if kind != .nak {
            options.append((1, [255, 255, 255, 0]))
            if request.kind != .inform {
                let seconds = IPv4Address(leaseSeconds).bytes
                options += [(51, seconds), (58, IPv4Address(leaseSeconds / 2).bytes), (59, IPv4Address(leaseSeconds / 8 * 7).bytes)]
            }
        }
        return DHCPMessage(
            op: 2, transactionID: request.transactionID, flags: request.flags,
            clientAddress: request.kind == .inform ? request.clientAddress : IPv4Address(0),
            yourAddress: address, serverAddress: IPv4Address(0), relayAddress: request.relayAddress,
            clientHardware: request.clientHardware, options: options)
    }
}
