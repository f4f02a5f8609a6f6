import BoxStore
import Foundation

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
        minimums = Self.minimums(inInfoOf: box) ?? ImageMinimums(parsing: lastPart)
    }

    /// The `minimums` object of the box's info.json (images made from nodes carry one).
    static func minimums(inInfoOf box: InstalledBox) -> ImageMinimums? {
        let file = box.directory.appendingPathComponent("info.json")
        guard let data = try? Data(contentsOf: file), data.count < 1 << 20,
            let info = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let given = info["minimums"] as? [String: Any],
            let encoded = try? JSONSerialization.data(withJSONObject: given.merging(["name": box.name]) { $1 })
        else { return nil }
        return try? JSONDecoder().decode(ImageMinimums.self, from: encoded)
    }
}
