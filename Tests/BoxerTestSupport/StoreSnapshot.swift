import BoxArchive
import Foundation

/// Every path under a folder with a digest of its content (or link target): two equal snapshots
/// mean the folder is byte-for-byte the same.
public struct StoreSnapshot: Equatable, CustomStringConvertible {
    public let entries: [String: String]

    public init(_ root: URL) {
        var entries: [String: String] = [:]
        for path in TemporaryFolder.tree(root) {
            let url = root.appendingPathComponent(path)
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: url.path) {
                entries[path] = "link:" + target
                continue
            }
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                entries[path] = "dir"
            } else if let data = FileManager.default.contents(atPath: url.path) {
                var digest = ChecksumType.sha256.makeDigest()
                digest.update(data)
                entries[path] = digest.finalizeHex()
            }
        }
        self.entries = entries
    }

    public var description: String {
        entries.keys.sorted().map { "\($0): \(entries[$0] ?? "")" }.joined(separator: "\n")
    }
}

/// The built `boxer` executable, next to the test bundle in the build folder.
public enum BoxerBinary {
    public static var url: URL? {
        if let override = ProcessInfo.processInfo.environment["BOXER_BINARY"] {
            return URL(fileURLWithPath: override)
        }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("boxer")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate.path)
            {
                return candidate
            }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }
}
