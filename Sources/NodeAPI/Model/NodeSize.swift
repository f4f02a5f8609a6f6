/// A node size of `boxer serve` (Libcloud's NodeSize): CPUs, memory and the disk a node gets at
/// creation. The set is fixed for a host: the ladder below, cut at what the host can give one
/// node, plus the empty-id placeholder that nodes created without a size report (as the
/// VirtualBox Libcloud driver this API follows does).
public struct NodeSize: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var cpus: Int
    public var memoryMiB: Int
    public var diskGiB: Int

    public init(id: String, name: String, cpus: Int, memoryMiB: Int, diskGiB: Int) {
        self.id = id
        self.name = name
        self.cpus = cpus
        self.memoryMiB = memoryMiB
        self.diskGiB = diskGiB
    }

    enum CodingKeys: String, CodingKey {
        case id, name, cpus
        case memoryMiB = "memory_mib"
        case diskGiB = "disk_gib"
    }

    /// What a node without a size (one made before sizes, or from a box's own settings) has.
    public static let placeholder = NodeSize(id: "", name: "no size", cpus: 0, memoryMiB: 0, diskGiB: 0)
}

/// The documented size ladder: each step doubles memory, CPUs follow at one per 2 GiB (at least
/// one), disks grow with memory. A host offers the steps that fit in its CPUs and in its memory
/// less what the host keeps for itself (1 GiB, or a quarter of a small host).
public enum SizeLadder {
    /// (CPUs, MiB, GiB of disk), smallest first.
    public static let steps: [(cpus: Int, memoryMiB: Int, diskGiB: Int)] = [
        (1, 512, 10), (1, 1024, 10), (1, 2048, 20), (2, 4096, 40), (4, 8192, 80), (8, 16384, 160), (16, 32768, 320),
        (32, 65536, 640),
    ]

    /// Memory the host keeps for itself and boxer.
    public static func reservedMiB(hostMemoryMiB: Int) -> Int {
        min(1024, hostMemoryMiB / 4)
    }

    /// The sizes this host offers, with the placeholder first.
    public static func sizes(hostCPUs: Int, hostMemoryMiB: Int) -> [NodeSize] {
        let available = hostMemoryMiB - reservedMiB(hostMemoryMiB: hostMemoryMiB)
        let offered = steps.filter { $0.cpus <= max(1, hostCPUs) && $0.memoryMiB <= available }.map { step in
            NodeSize(
                id: "c\(step.cpus)-m\(step.memoryMiB)",
                name: "\(step.cpus) CPU, \(Self.memoryText(step.memoryMiB)), \(step.diskGiB) GiB disk",
                cpus: step.cpus, memoryMiB: step.memoryMiB, diskGiB: step.diskGiB)
        }
        return [NodeSize.placeholder] + offered
    }

    static func memoryText(_ mebibytes: Int) -> String {
        mebibytes >= 1024 && mebibytes % 1024 == 0 ? "\(mebibytes / 1024) GiB" : "\(mebibytes) MiB"
    }
}
