import Foundation

/// The folder that holds everything boxer keeps between runs: `$BOXER_HOME`, `~/.boxer` by default.
///
/// The layout under it follows `~/.vagrant.d` so that `BOXER_HOME=~/.vagrant.d` shares boxes with Vagrant.
public struct BoxerHome: Sendable, Equatable {
    /// The absolute, normalized path of the folder. It is kept as a path, not a URL, because
    /// commands that never touch the store (`status`) still work out where it is.
    public let path: String

    public var root: URL { URL(fileURLWithPath: path, isDirectory: true) }

    public init(root: URL) {
        self.path = root.standardizedFileURL.path
    }

    /// `$BOXER_HOME` if set (relative to the current folder), else `~/.boxer`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let folder: String
        if let configured = environment["BOXER_HOME"], !configured.isEmpty {
            folder = configured
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
            folder = home + "/.boxer"
        }
        self.path = HostFiles.absolute(folder, relativeTo: HostFiles.currentDirectory())
    }

    /// Installed boxes, in Vagrant's layout.
    public var boxes: URL { root.appendingPathComponent("boxes", isDirectory: true) }
    /// Work folders and partial downloads; anything here may be removed when its owner is gone.
    public var temporary: URL { root.appendingPathComponent("tmp", isDirectory: true) }
    /// Downloaded source images and other reusable artefacts.
    public var cache: URL { root.appendingPathComponent("cache", isDirectory: true) }
    /// Indexes and locks, as Vagrant's `data/`.
    public var data: URL { root.appendingPathComponent("data", isDirectory: true) }

    /// Creates the folders that every command expects.
    public func prepare() throws {
        for folder in [root, boxes, temporary, data] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
    }
}
