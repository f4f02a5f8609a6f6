/// What an image needs of a node, as the VirtualBox Libcloud driver names its media:
/// `IMAGE-NAME-OS_TYPE-CPU-MEM-DISK` (`ubuntu-22.04-Ubuntu_64-1-1024-10`: OS type Ubuntu_64, one
/// CPU, 1024 MiB, 10 GiB). boxer reads the minimums from a box's template or info when it has
/// them, and from a name of this form otherwise.
public struct ImageMinimums: Codable, Sendable, Equatable {
    public var name: String
    public var osType: String
    public var cpus: Int
    public var memoryMiB: Int
    public var diskGiB: Int

    public init(name: String, osType: String, cpus: Int, memoryMiB: Int, diskGiB: Int) {
        self.name = name
        self.osType = osType
        self.cpus = cpus
        self.memoryMiB = memoryMiB
        self.diskGiB = diskGiB
    }

    enum CodingKeys: String, CodingKey {
        case name, cpus
        case osType = "os_type"
        case memoryMiB = "memory_mib"
        case diskGiB = "disk_gib"
    }

    /// The minimums a name of that form gives, or nil: the last three dash-separated fields are
    /// whole numbers above zero, the one before them the OS type (letters, digits, `_`), and a
    /// name is left before it.
    public init?(parsing text: String) {
        let fields = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 5 else { return nil }
        let numbers = fields.suffix(3).compactMap { Int($0) }.filter { $0 > 0 }
        let osType = fields[fields.count - 4]
        let name = fields.dropLast(4).joined(separator: "-")
        guard numbers.count == 3, !osType.isEmpty, osType.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
            osType.contains(where: \.isLetter), !name.isEmpty
        else { return nil }
        self.init(name: name, osType: osType, cpus: numbers[0], memoryMiB: numbers[1], diskGiB: numbers[2])
    }

    /// The name back in its form.
    public var text: String { "\(name)-\(osType)-\(cpus)-\(memoryMiB)-\(diskGiB)" }

    /// Whether `size` gives the image what it needs (the placeholder never does).
    public func fits(_ size: NodeSize) -> Bool {
        size.cpus >= cpus && size.memoryMiB >= memoryMiB && size.diskGiB >= diskGiB
    }
}
