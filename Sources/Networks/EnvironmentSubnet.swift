/// An environment network's /24: 192.168.X.0/24 by default, or the /24 that the Vagrantfile's
/// static addresses name (`ip: "10.0.0.10"` makes it 10.0.0.0/24), as Vagrant users expect
/// their addresses to be kept. The switch answers at .1, machines get .2 to .254.
///
/// An integer literal X means 192.168.X.0/24, the networks boxer chooses itself.
public struct EnvironmentSubnet: Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    /// The network's address, a.b.c.0.
    public let base: IPv4Address

    /// The /24 that holds `address`.
    public init(containing address: IPv4Address) {
        base = IPv4Address(address.value & 0xffff_ff00)
    }

    /// 192.168.X.0/24.
    public init(standard x: Int) {
        base = IPv4Address(192, 168, UInt8(truncatingIfNeeded: x), 0)
    }

    public init(integerLiteral x: Int) { self.init(standard: x) }

    /// "a.b.c.0/24", "a.b.c" or, for 192.168.X.0/24, "X" (the names of older registries, folders
    /// and `--subnet` arguments).
    public init?(_ text: String) {
        if let x = Int(text) {
            guard (1...254).contains(x) else { return nil }
            self.init(standard: x)
            return
        }
        var text = Substring(text)
        if text.hasSuffix("/24") { text = text.dropLast(3) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 || (parts.count == 4 && parts[3] == "0"),
            let address = IPv4Address(parts.prefix(3).joined(separator: ".") + ".0")
        else { return nil }
        self.init(containing: address)
    }

    /// The X of 192.168.X.0/24; nil for other networks.
    public var standardX: Int? {
        let bytes = base.bytes
        return bytes[0] == 192 && bytes[1] == 168 && (1...254).contains(bytes[2]) ? Int(bytes[2]) : nil
    }

    /// The switch's own address (and the DHCP server's).
    public var gateway: IPv4Address { address(1) }
    public var lowest: IPv4Address { address(2) }
    public var highest: IPv4Address { address(254) }
    public func address(_ last: UInt8) -> IPv4Address { IPv4Address(base.value | UInt32(last)) }

    /// Whether `address` is one a machine may have: .2 to .254 of this network.
    public func holdsMachine(_ address: IPv4Address) -> Bool {
        EnvironmentSubnet(containing: address) == self && (2...254).contains(address.bytes[3])
    }

    /// "a.b.c." for guest scripts that append the last byte.
    public var prefix: String { base.bytes.prefix(3).map(String.init).joined(separator: ".") + "." }
    public var network: IPv4Network { IPv4Network(base, prefixLength: 24) }
    public var description: String { "\(base)/24" }

    /// The name of the network's folders and files: X for 192.168.X.0/24, else "a.b.c".
    public var fileName: String {
        standardX.map(String.init) ?? base.bytes.prefix(3).map(String.init).joined(separator: ".")
    }

    /// Whether boxer may use it as an environment network: not loopback, multicast, link-local or
    /// "this network", and not QEMU's and VirtualBox's NAT network 10.0.2.0/24, which NIC1 is on.
    public var isUsable: Bool {
        let bytes = base.bytes
        if bytes[0] == 0 || bytes[0] == 127 || bytes[0] >= 224 { return false }
        if bytes[0] == 169 && bytes[1] == 254 { return false }
        return self != Self.natNetwork
    }

    /// NIC1's network in QEMU's user mode and VirtualBox's NAT.
    public static let natNetwork = EnvironmentSubnet(containing: IPv4Address(10, 0, 2, 0))

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.base < rhs.base }

    /// Written as X for 192.168.X.0/24 (as older boxers wrote it, so that they can still read the
    /// registry), else "a.b.c.0/24"; read from either.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let parsed: EnvironmentSubnet? =
            if let x = try? container.decode(Int.self) {
                (1...254).contains(x) ? EnvironmentSubnet(standard: x) : nil
            } else {
                EnvironmentSubnet(try container.decode(String.self))
            }
        guard let parsed else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an environment network"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let standardX { try container.encode(standardX) } else { try container.encode(description) }
    }
}
