import BoxerSupport
import Foundation

/// The switch's leases file, `$BOXER_HOME/data/networks/<network>-leases.json`: MAC → lease. Read back
/// with limits, since anything may have been written there: at most `fileLimit` bytes, only
/// leases of this subnet's pool (.2-.254), one per address. A file beyond that is moved aside
/// (`.damaged`) and the switch starts with no leases: guests then ask again and get addresses,
/// rather than the switch spending memory on junk and serving none.
public enum DHCPLeases {
    /// 253 leases take about 40 KiB; anything much larger is not a file the switch wrote.
    public static let fileLimit = 256 << 10

    public static func load(_ path: String, subnet: EnvironmentSubnet) -> [MACAddress: DHCPLease] {
        let bytes: [UInt8]
        do {
            bytes = try HostFiles.readBytes(at: path, limit: fileLimit)
        } catch .missing {
            return [:]
        } catch {
            rename(path, path + ".damaged")
            return [:]
        }
        guard let decoded = try? JSONDecoder().decode([String: DHCPLease].self, from: Data(bytes)) else {
            rename(path, path + ".damaged")
            return [:]
        }
        var leases: [MACAddress: DHCPLease] = [:]
        var taken: Set<IPv4Address> = []
        for (text, lease) in decoded.sorted(by: { $0.key < $1.key }) {
            guard let mac = MACAddress(text), !mac.isMulticast, subnet.holdsMachine(lease.address), !taken.contains(lease.address)
            else { continue }
            taken.insert(lease.address)
            leases[mac] = lease
        }
        return leases
    }

    /// Replaces the file whole, 0600.
    public static func save(_ leases: [MACAddress: DHCPLease], to path: String) {
        var byText: [String: DHCPLease] = [:]
        for (mac, lease) in leases { byText[mac.description] = lease }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(byText) else { return }
        try? PrivateFiles.writeAtomically(path, Array(data))
    }
}
