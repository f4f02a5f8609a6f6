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

    /// The environment's X: the one it has, else `required` (the subnet its static addresses
    /// are in) or the lowest free one.
    public func allocate(for project: String, requiring required: Int? = nil) throws(NetworkError) -> Int {
        try update { (document: inout Document) throws(NetworkError) -> Int in
            if let existing = document.environments[project] {
                if let required, required != existing { throw Self.notOnNetwork(existing: existing, required: required) }
                return existing
            }
            if let required {
                if let (other, _) = document.environments.first(where: { $0.value == required }) { throw Self.taken(required, by: other) }
                document.environments[project] = required
                return required
            }
            let taken = Set(document.environments.values)
            guard let free = (1...254).first(where: { !taken.contains($0) }) else {
                throw NetworkError("All 254 internal networks (192.168.1-254.0/24) are in use by other environments; destroy the machines of one you no longer need (boxer global-status lists them).")
            }
            document.environments[project] = free
            return free
        }
    }

    /// Whether `allocate(for:requiring:)` would refuse, without changing anything: for checking
    /// before a machine is created.
    public func check(for project: String, requiring required: Int) throws(NetworkError) {
        let environments = all()
        if let existing = environments[project] {
            if existing != required { throw Self.notOnNetwork(existing: existing, required: required) }
        } else if let (other, _) = environments.first(where: { $0.value == required }) {
            throw Self.taken(required, by: other)
        }
    }

    static func notOnNetwork(existing: Int, required: Int) -> NetworkError {
        NetworkError("this environment's internal network is 192.168.\(existing).0/24 (chosen when its first machine came up), so an address in 192.168.\(required).0/24 is not on it. Use an address in 192.168.\(existing).2-254, or `boxer destroy` every machine so the network can be chosen again.")
    }

    static func taken(_ subnet: Int, by other: String) -> NetworkError {
        NetworkError("192.168.\(subnet).0/24 is the internal network of another environment (\(other)); every environment has its own. Use addresses in a free 192.168.X.0/24 (boxer global-status lists the environments), or destroy that environment's machines.")
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
