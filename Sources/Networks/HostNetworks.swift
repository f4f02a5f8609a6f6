import BoxerSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 network: an address and a prefix length.
public struct IPv4Network: Sendable, Equatable, CustomStringConvertible {
    public var address: IPv4Address
    public var prefixLength: Int

    public init(_ address: IPv4Address, prefixLength: Int) {
        self.address = address
        self.prefixLength = max(0, min(32, prefixLength))
    }

    var mask: UInt32 { prefixLength == 0 ? 0 : UInt32.max << (32 - UInt32(prefixLength)) }

    /// Whether the two networks share any address.
    public func overlaps(_ other: IPv4Network) -> Bool {
        let shorter = min(prefixLength, other.prefixLength)
        let mask = shorter == 0 ? 0 : UInt32.max << (32 - UInt32(shorter))
        return address.value & mask == other.address.value & mask
    }

    public var description: String { "\(IPv4Address(address.value & mask))/\(prefixLength)" }
}

/// The networks this host is on: its interfaces' networks and its routes. An environment network
/// that overlaps one of them would hide the host's own network from the guests (their NAT would
/// send that /24 to the environment's switch), so the subnet registry avoids them.
public enum HostNetworks {
    /// Routes wider than this are not avoided: a VPN's 192.168.0.0/16 would leave no subnet at
    /// all, and such a route rarely means that every address in it is in use.
    public static let widestAvoidedPrefix = 16

    public static func current() -> [IPv4Network] {
        interfaceNetworks() + routes()
    }

    /// Every IPv4 address of an interface that is up, with its netmask.
    static func interfaceNetworks() -> [IPv4Network] {
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0 else { return [] }
        defer { freeifaddrs(first) }
        var networks: [IPv4Network] = []
        var cursor = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET),
                let netmask = entry.pointee.ifa_netmask, Int32(entry.pointee.ifa_flags) & Int32(IFF_UP) != 0
            else { continue }
            let host = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
            let mask = netmask.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
            if host >> 24 == 127 { continue }
            networks.append(IPv4Network(IPv4Address(host), prefixLength: mask.nonzeroBitCount))
        }
        return networks
    }

    /// The kernel's routes (Linux: /proc/net/route), the default route left out.
    static func routes() -> [IPv4Network] {
        #if os(Linux)
            guard let text = try? HostFiles.readText(at: "/proc/net/route", limit: 1 << 20) else { return [] }
            return parseRoutes(text)
        #else
            return []
        #endif
    }

    /// `/proc/net/route`: destination and mask in hexadecimal, as the kernel keeps them (network
    /// byte order read as a host integer).
    public static func parseRoutes(_ text: String) -> [IPv4Network] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count > 7, let destination = UInt32(fields[1], radix: 16), let mask = UInt32(fields[7], radix: 16) else {
                return nil
            }
            let prefix = mask.nonzeroBitCount
            guard prefix >= widestAvoidedPrefix else { return nil }
            return IPv4Network(IPv4Address(UInt32(bigEndian: destination)), prefixLength: prefix)
        }
    }
}
