/// Building and reading the few kinds of frames the switch answers itself: ARP for the
/// gateway address, ICMP echo to it, and DHCP over UDP. Every read is bounds-checked.
enum Frames {
    static let ipv4: UInt16 = 0x0800
    static let arp: UInt16 = 0x0806

    static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16? {
        guard at >= 0, at + 2 <= bytes.count else { return nil }
        return UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
    }

    static func bytes(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xff)] }

    /// The Internet checksum (RFC 1071).
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt32 = 0
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.endIndex { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func ethernet(destination: MACAddress, source: MACAddress, type: UInt16, payload: [UInt8]) -> [UInt8] {
        destination.bytes + source.bytes + bytes(type) + payload
    }

    static func ipv4Packet(source: IPv4Address, destination: IPv4Address, protocolNumber: UInt8, payload: [UInt8]) -> [UInt8] {
        var header: [UInt8] = [0x45, 0] + bytes(UInt16(20 + payload.count)) + [0, 0, 0x40, 0, 64, protocolNumber, 0, 0]
        header += source.bytes + destination.bytes
        let sum = checksum(header[...])
        header[10] = UInt8(sum >> 8)
        header[11] = UInt8(sum & 0xff)
        return header + payload
    }

    /// UDP with checksum 0 (none), which IPv4 allows.
    static func udp(sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8]) -> [UInt8] {
        bytes(sourcePort) + bytes(destinationPort) + bytes(UInt16(8 + payload.count)) + [0, 0] + payload
    }
}
