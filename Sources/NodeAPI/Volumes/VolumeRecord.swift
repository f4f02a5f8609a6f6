import Foundation

/// A volume: a fixed-size disk image under `$BOXER_HOME/volumes` (`<name>.qcow2` or `<name>.raw`,
/// preallocated), with its record `<name>.json` saying where it is attached.
public struct VolumeRecord: Codable, Sendable, Equatable {
    public enum Format: String, Codable, Sendable, CaseIterable {
        /// Preallocated qcow2: fixed size, and internal snapshots.
        case qcow2
        /// A plain preallocated file: any tool reads it; no snapshots.
        case raw
    }

    public var name: String
    public var sizeMiB: Int
    public var format: Format
    public var created: Date
    /// The node it is attached to.
    public var attachedTo: String?
    /// The slot of the node's hot-plug bridge it is in (1...NodeProject.hotplugSlots) while attached.
    public var slot: Int?

    public init(name: String, sizeMiB: Int, format: Format, created: Date) {
        self.name = name
        self.sizeMiB = sizeMiB
        self.format = format
        self.created = created
    }

    enum CodingKeys: String, CodingKey {
        case name, format, created, slot
        case sizeMiB = "size_mib"
        case attachedTo = "attached_to"
    }

    /// The disk's serial in the guest (virtio-blk takes 20 characters), which names it under
    /// `/dev/disk/by-id/virtio-<serial>`.
    public var serial: String { String(name.prefix(20)) }
}

/// A volume as the API and `boxer volume` report it.
public struct VolumeView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var sizeMiB: Int
    public var format: VolumeRecord.Format
    /// "available" or "inuse" (Libcloud's StorageVolumeState).
    public var state: String
    public var attachedTo: String?
    /// Where the guest finds it once attached.
    public var device: String?
    public var path: String
    public var created: Date

    enum CodingKeys: String, CodingKey {
        case id, name, format, state, device, path, created
        case sizeMiB = "size_mib"
        case attachedTo = "attached_to"
    }

    public init(_ record: VolumeRecord, path: String) {
        id = record.name
        name = record.name
        sizeMiB = record.sizeMiB
        format = record.format
        state = record.attachedTo == nil ? "available" : "inuse"
        attachedTo = record.attachedTo
        device = record.attachedTo == nil ? nil : "/dev/disk/by-id/virtio-" + record.serial
        self.path = path
        created = record.created
    }
}

/// A volume's snapshot (qcow2's internal snapshots, by name).
public struct VolumeSnapshotView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var volume: String
    public var created: Date?
}

/// `POST /v1/volumes`: `{"name", "size_mib", "format"}`.
public struct VolumeCreateRequest: Sendable, Equatable, Decodable {
    public var name: String
    public var sizeMiB: Int
    public var format: VolumeRecord.Format

    /// The largest volume taken: 16 TiB.
    public static let maximumMiB = 16 << 20

    public init(name: String, sizeMiB: Int, format: VolumeRecord.Format = .qcow2) {
        self.name = name
        self.sizeMiB = sizeMiB
        self.format = format
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, format
        case sizeMiB = "size_mib"
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        sizeMiB = try container.decode(Int.self, forKey: .sizeMiB)
        format = try container.decodeIfPresent(VolumeRecord.Format.self, forKey: .format) ?? .qcow2
    }
}

/// `POST /v1/volumes/{id}/attach` (`{"node"}`) and the bodies that name only a snapshot.
struct AttachRequest: Decodable {
    var node: String

    enum CodingKeys: String, CodingKey, CaseIterable { case node }

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        node = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .node)
    }
}

struct SnapshotRequest: Decodable {
    var name: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case name }

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        name = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .name)
    }
}

/// A body that must be an empty object (`{}`) or absent.
struct EmptyRequest: Decodable {
    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: [])
    }
}
