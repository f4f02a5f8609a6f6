import Foundation

/// What boxer keeps of a node besides its machine: `$BOXER_HOME/nodes/<name>/node.json`. The
/// machine's own state (created, running, its ports) is in the node's `.vagrant` folder as for
/// any project; this record holds what the API was asked for, which the machine does not say.
public struct NodeRecord: Codable, Sendable, Equatable {
    /// Where the node is in its life: a create in progress, done, or one that failed (its
    /// machine destroyed; the record stays so the failure can be read, until the node is destroyed).
    public enum Phase: String, Codable, Sendable {
        case creating, ready, failed
    }

    public var name: String
    public var imageID: String
    /// The size the node was created with ("" for none: the placeholder).
    public var sizeID: String
    public var cpus: Int
    public var memoryMiB: Int
    public var diskGiB: Int
    /// The provider the node runs with (qemu for libvirt/qemu boxes).
    public var provider: String
    public var created: Date
    /// "ssh_key", "password" or nil: how the initial credentials were given.
    public var auth: String?
    public var phase: Phase
    /// Why the create failed, for `phase == .failed`.
    public var failure: String?
    /// The process creating the node while `phase == .creating`: when it is gone, the create was cut
    /// off (kill -9) and the next `boxer serve` or `boxer node` command cleans up after it.
    public var creatorPID: Int32?

    public init(
        name: String, imageID: String, size: NodeSize, provider: String, created: Date, auth: String?, phase: Phase = .creating,
        creatorPID: Int32? = getpid()
    ) {
        self.name = name
        self.imageID = imageID
        self.sizeID = size.id
        self.cpus = size.cpus
        self.memoryMiB = size.memoryMiB
        self.diskGiB = size.diskGiB
        self.provider = provider
        self.created = created
        self.auth = auth
        self.phase = phase
        self.creatorPID = creatorPID
    }

    enum CodingKeys: String, CodingKey {
        case name, cpus, provider, created, auth, phase, failure
        case imageID = "image_id"
        case sizeID = "size_id"
        case memoryMiB = "memory_mib"
        case diskGiB = "disk_gib"
        case creatorPID = "creator_pid"
    }

    /// Whether a create recorded as in progress was cut off: its process is gone (or is not
    /// boxer's any more; a reused pid is taken for a live one, which errs on the safe side).
    public var createWasInterrupted: Bool {
        guard phase == .creating else { return false }
        guard let creatorPID else { return true }
        return kill(creatorPID, 0) != 0 && errno == ESRCH
    }
}

/// Node names: they name a folder, a machine, a hostname and a Libcloud node id, so they are
/// kept to what all four take.
public enum NodeName {
    public static let maximumLength = 63

    /// Why `name` cannot name a node, or nil when it can.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "a node needs a name" }
        if name.count > maximumLength { return "the name \(quoted(name)) is longer than \(maximumLength) characters" }
        if name.contains("/") || name.contains("\\") || name == "." || name == ".." {
            return "the name \(quoted(name)) contains a path character; use letters, digits, '-', '_' and '.'"
        }
        guard let first = name.unicodeScalars.first, Self.isAlphanumeric(first),
            name.unicodeScalars.allSatisfy({ Self.isAlphanumeric($0) || "-_.".unicodeScalars.contains($0) })
        else {
            return "the name \(quoted(name)) must start with a letter or digit and hold only letters, digits, '-', '_' and '.'"
        }
        return nil
    }

    /// The guest's hostname for a node name (`_` is not allowed in hostnames).
    public static func hostname(_ name: String) -> String {
        name.replacingOccurrences(of: "_", with: "-")
    }

    static func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar))
    }

    static func quoted(_ name: String) -> String {
        let shown = name.count > 80 ? String(name.prefix(80)) + "…" : name
        return "\"" + shown.unicodeScalars.map { $0.isASCII && $0.value >= 32 ? String($0) : $0.escaped(asASCII: true) }.joined() + "\""
    }
}
