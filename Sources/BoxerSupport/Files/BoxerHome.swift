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

    /// Creates the folders that every command expects, closed to other users (0700).
    public func prepare() throws {
        for folder in [root, boxes, temporary, data] {
            try PrivateFiles.makeFolders(folder.path)
        }
    }

    /// The folder of this user's that every `BOXER_HOME` shares: `/tmp/boxer-<uid>`. It holds
    /// the host-wide locks (the forwarded-ports lock: two homes must not pick the same port)
    /// and the runtime folders of homes whose own path is too long for sockets.
    public static var userRuntimeFolder: String { "/tmp/boxer-\(getuid())" }

    /// Where the sockets and pidfiles of running machines and switches live: `$BOXER_HOME/run`
    /// while every socket path under it fits the unix limit (107 bytes; the longest is
    /// `<run>/<machine uuid>/qmp.sock`, 46 more), else `/tmp/boxer-<uid>/<hash of the home>`.
    public var runtime: String {
        let preferred = path + "/run"
        if preferred.utf8.count <= Self.longestRuntimePath { return preferred }
        let hex = String(StableHash.fnv1a(path), radix: 16)
        return Self.userRuntimeFolder + "/" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// The longest runtime folder path that leaves room for every socket boxer makes in it.
    public static let longestRuntimePath = 107 - 1 - 46

    /// Creates the runtime folder (0700; a shared fallback is checked to be this user's) and
    /// returns it.
    @discardableResult
    public func prepareRuntime() throws(PrivateFiles.Failure) -> String {
        let folder = runtime
        if folder.hasPrefix(Self.userRuntimeFolder + "/") {
            try PrivateFiles.ownedFolder(Self.userRuntimeFolder)
        }
        try PrivateFiles.makeFolders(folder)
        // Made by an older boxer under a lax umask: closed now.
        chmod(folder, 0o700)
        return folder
    }

    /// Prepares the user's shared runtime folder and returns it (for host-wide locks).
    @discardableResult
    public static func prepareUserRuntime() throws(PrivateFiles.Failure) -> String {
        try PrivateFiles.ownedFolder(userRuntimeFolder)
        return userRuntimeFolder
    }
}
