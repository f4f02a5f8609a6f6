import BoxerSupport
import Foundation

/// The static addresses of one environment network (`private_network ip:` in the Vagrantfile):
/// `reserved` gives a created machine's NIC2 (by its MAC) its address, and `excluded` keeps
/// every static address of the environment, created or not, out of the DHCP pool, so no
/// machine can lease an address another machine is written to have.
///
/// `boxer up` writes the file (`$BOXER_HOME/data/networks/X-reservations.json`) before a
/// machine boots; the switch re-reads it when it changes.
public struct NetworkReservations: Sendable, Codable, Equatable {
    public var reserved: [String: IPv4Address]
    public var excluded: [IPv4Address]

    public init(reserved: [MACAddress: IPv4Address] = [:], excluded: [IPv4Address] = []) {
        self.reserved = Dictionary(uniqueKeysWithValues: reserved.map { ($0.key.description, $0.value) })
        self.excluded = excluded.sorted()
    }

    /// By hardware address (entries that are not MAC addresses are ignored).
    public var byMAC: [MACAddress: IPv4Address] {
        var result: [MACAddress: IPv4Address] = [:]
        for (text, address) in reserved { if let mac = MACAddress(text) { result[mac] = address } }
        return result
    }

    public static func read(_ path: String) -> NetworkReservations? {
        guard let bytes = try? HostFiles.readBytes(at: path, limit: DHCPLeases.fileLimit) else { return nil }
        return try? JSONDecoder().decode(NetworkReservations.self, from: Data(bytes))
    }

    /// Replaces the file whole (a reader sees the old or the new one, never half).
    public func write(to path: String) throws(NetworkError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            try PrivateFiles.writeAtomically(path, Array(try encoder.encode(self)))
        } catch {
            throw NetworkError.unwritable(path: path, reason: "\(error)")
        }
    }
}
