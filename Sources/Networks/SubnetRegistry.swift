import BoxerSupport
import Foundation

/// Which environment (project folder) has which internal network 192.168.X.0/24, X in 1...254:
/// `$BOXER_HOME/data/networks.json`, changed only under `networks.lock` and replaced whole, so
/// concurrent `boxer up`s in several projects never get the same X and a crash never leaves half
/// a file.
public struct SubnetRegistry: Sendable {
    public let folder: String

    public init(home: BoxerHome) {
        folder = home.path + "/data"
    }

    var file: String { folder + "/networks.json" }

    struct Document: Codable {
        var version = 1
        /// Project folder → X.
        var environments: [String: Int] = [:]
    }

    /// The environment's X: the one it has, else the lowest free one.
    public func allocate(for project: String) throws(NetworkError) -> Int {
        try update { (document: inout Document) throws(NetworkError) -> Int in
            if let existing = document.environments[project] { return existing }
            let taken = Set(document.environments.values)
            guard let free = (1...254).first(where: { !taken.contains($0) }) else {
                throw NetworkError("All 254 internal networks (192.168.1-254.0/24) are in use by other environments; destroy the machines of one you no longer need (boxer global-status lists them).")
            }
            document.environments[project] = free
            return free
        }
    }

    /// Gives the environment's X back (its last machine is gone).
    public func release(_ project: String) throws(NetworkError) {
        try update { (document: inout Document) throws(NetworkError) in document.environments[project] = nil }
    }

    /// The environment's X, if it has one.
    public func subnet(for project: String) -> Int? {
        (try? withLock { read() })?.environments[project]
    }

    /// Every environment and its X.
    public func all() -> [String: Int] {
        (try? withLock { read() })?.environments ?? [:]
    }

    private func update<T>(_ change: (inout Document) throws(NetworkError) -> T) throws(NetworkError) -> T {
        do {
            return try withLock {
                var document = read()
                let result = try change(&document)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                let temporary = file + ".tmp-\(getpid())"
                try encoder.encode(document).write(to: URL(fileURLWithPath: temporary))
                guard rename(temporary, file) == 0 else { throw NetworkError("cannot replace \(file)") }
                return result
            }
        } catch let error as NetworkError {
            throw error
        } catch {
            throw NetworkError("cannot update the network registry \(file): \(error)")
        }
    }

    private func read() -> Document {
        guard let data = FileManager.default.contents(atPath: file),
              let document = try? JSONDecoder().decode(Document.self, from: data) else { return Document() }
        return document
    }

    private func withLock<T>(_ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard let lock = try FileLock.acquire(URL(fileURLWithPath: folder + "/networks.lock")) else {
            throw NetworkError("cannot lock the network registry in \(folder)")
        }
        defer { lock.unlock() }
        return try body()
    }
}
