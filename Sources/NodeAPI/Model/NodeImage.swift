import BoxStore

/// An image of `boxer serve` (Libcloud's NodeImage): a box in the store, one per name, version,
/// architecture and provider. Its id joins those four with ":", which no box name or version
/// holds, so an id names one box and reads back without a lookup table.
public struct NodeImage: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var version: String
    public var architecture: String?
    public var provider: String
    /// What a node made from it needs, when the box's name says (IMAGE-NAME-OS_TYPE-CPU-MEM-DISK).
    public var minimums: ImageMinimums?

    public init(box: InstalledBox) {
        id = [box.name, box.version, box.architecture ?? "", box.provider].joined(separator: ":")
        name = box.name
        version = box.version
        architecture = box.architecture
        provider = box.provider
        let lastPart = box.name.split(separator: "/").last.map(String.init) ?? box.name
        minimums = ImageMinimums(parsing: lastPart)
    }
}
