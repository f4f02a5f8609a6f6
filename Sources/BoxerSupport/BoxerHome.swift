import Foundation

/// The folder that holds everything boxer keeps between runs: `$BOXER_HOME`, `~/.boxer` by default.
///
/// The layout under it follows `~/.vagrant.d` so that `BOXER_HOME=~/.vagrant.d` shares boxes with Vagrant.
public struct BoxerHome: Sendable, Equatable {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// `$BOXER_HOME` if set, else `~/.boxer`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let configured = environment["BOXER_HOME"], !configured.isEmpty {
            self.init(root: URL(fileURLWithPath: configured, isDirectory: true))
        } else {
            let home = environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
                ?? FileManager.default.homeDirectoryForCurrentUser
            self.init(root: home.appendingPathComponent(".boxer", isDirectory: true))
        }
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
