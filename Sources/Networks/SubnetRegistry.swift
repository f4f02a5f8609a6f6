import BoxerSupport
import Foundation

/// Which environment (project folder) has which internal network: a /24 that its static addresses
/// name, else a free 192.168.X.0/24, X in 1...254. `$BOXER_HOME/data/networks.json`, changed only
/// under `networks.lock` and replaced whole, so concurrent `boxer up`s in several projects never get
/// the same network and a crash never leaves half a file.
///
/// The file is read back, not trusted: one boxer cannot read is an error naming it (never an
/// empty registry, which would hand a running environment's X to the next one). A missing file
/// is rebuilt from evidence: each running switch holds the lock on its pidfile and keeps its
/// project's folder beside it. A network is never one that a running switch serves, and a chosen
/// 192.168.X.0/24 is never one that overlaps a network this host is on.
public struct SubnetRegistry: Sendable {
    public let folder: String
    /// The home's runtime folder, where each switch has `net-<network>/` (pidfile, project, ports;
    /// <network> is X for 192.168.X.0/24, else a.b.c).
    public let runtime: String
    /// The host's networks to keep clear of (the real ones unless a test gives others).
    public let hostNetworks: @Sendable () -> [IPv4Network]

    public init(home: BoxerHome, hostNetworks: @escaping @Sendable () -> [IPv4Network] = HostNetworks.current) {
        folder = home.path + "/data"
        runtime = home.runtime
        self.hostNetworks = hostNetworks
    }

    public var file: String { folder + "/networks.json" }

    // MARK: The switches' runtime folders

    public func switchFolder(_ subnet: EnvironmentSubnet) -> String { runtime + "/net-\(subnet.fileName)" }
    public func switchPidfile(_ subnet: EnvironmentSubnet) -> String { switchFolder(subnet) + "/switch.pid" }
    /// The project folder the switch serves, written before it starts: the evidence a lost
    /// registry is rebuilt from.
    public func switchProjectFile(_ subnet: EnvironmentSubnet) -> String { switchFolder(subnet) + "/project" }

    /// Network → the running switch's project (nil when its folder does not say), for every
    /// switch that runs now.
    public func liveSwitches() -> [EnvironmentSubnet: String?] {
        var live: [EnvironmentSubnet: String?] = [:]
        for name in HostFiles.entries(of: runtime) where name.hasPrefix("net-") {
            guard let subnet = EnvironmentSubnet(String(name.dropFirst(4))), name == "net-" + subnet.fileName,
                HostFiles.lockHolder(of: switchPidfile(subnet)) != nil
            else { continue }
            let project = (try? HostFiles.readText(at: switchProjectFile(subnet), limit: 64 << 10)).map {
                $0.trimmingCharacters(in: .newlines)
            }
            // updateValue: assigning a nil String? through the subscript would drop the switch.
            live.updateValue(project.flatMap { $0.hasPrefix("/") ? $0 : nil }, forKey: subnet)
        }
        return live
    }

    // MARK: Allocation

    struct Document: Codable {
        var version = 1
        /// Project folder → network (older files: X of 192.168.X.0/24).
        var environments: [String: EnvironmentSubnet] = [:]
    }

    /// The environment's network: the one it has, else `required` (the /24 its static addresses
    /// are in) or the lowest 192.168.X.0/24 that no environment has, no running switch serves
    /// and no host network overlaps.
    public func allocate(for project: String, requiring required: EnvironmentSubnet? = nil) throws(NetworkError)
        -> EnvironmentSubnet
    {
        try update { (document: inout Document) throws(NetworkError) -> EnvironmentSubnet in
            if let existing = document.environments[project] {
                if let required, required != existing { throw NetworkError.notOnNetwork(existing: existing, required: required) }
                return existing
            }
            let live = liveSwitches()
            if let required {
                if let (other, _) = document.environments.first(where: { $0.value == required }) {
                    throw NetworkError.taken(subnet: required, by: other)
                }
                if let owner = live[required] {
                    throw NetworkError.taken(subnet: required, by: owner ?? "a running switch of an unknown environment")
                }
                document.environments[project] = required
                return required
            }
            let taken = Set(document.environments.values).union(live.keys)
            let host = hostNetworks()
            let free = (1...254).map(EnvironmentSubnet.init(standard:)).filter { !taken.contains($0) }
            guard let first = free.first else {
                throw NetworkError.allInUse
            }
            // Clear of the host's networks when any such X is free; else the lowest free one.
            let chosen = free.first { candidate in !host.contains { $0.overlaps(candidate.network) } } ?? first
            document.environments[project] = chosen
            return chosen
        }
    }

    /// The host networks that the environment network overlaps now (empty: none).
    public func hostClashes(_ subnet: EnvironmentSubnet) -> [IPv4Network] {
        hostNetworks().filter { $0.overlaps(subnet.network) }
    }

    /// Whether `allocate(for:requiring:)` would refuse, without changing anything: for checking
    /// before a machine is created.
    public func check(for project: String, requiring required: EnvironmentSubnet) throws(NetworkError) {
        let environments = try withLock { () throws(NetworkError) in try read() }.environments
        if let existing = environments[project] {
            if existing != required { throw NetworkError.notOnNetwork(existing: existing, required: required) }
        } else if let (other, _) = environments.first(where: { $0.value == required }) {
            throw NetworkError.taken(subnet: required, by: other)
        }
    }

    /// Gives the environment's network back (its last machine is gone).
    public func release(_ project: String) throws(NetworkError) {
        try update { (document: inout Document) throws(NetworkError) in document.environments[project] = nil }
    }

    /// The environment's network, if it has one; nil also when the registry cannot be read (what
    /// acts on a network then finds none, so nothing is stopped or deleted on its account).
    public func subnet(for project: String) -> EnvironmentSubnet? {
        (try? all())?[project]
    }

    /// The environment's network as the registry file says now, read without the lock and
    /// without rebuilding a missing file: for showing (`status`), never for deciding. Nil when
    /// there is no file or it cannot be read.
    public func recordedSubnet(for project: String) -> EnvironmentSubnet? {
        guard let bytes = try? HostFiles.readBytes(at: file, limit: 1 << 20),
            let document = try? JSONDecoder().decode(Document.self, from: Data(bytes))
        else { return nil }
        return document.environments[project]
    }

    /// Every environment and its network.
    public func all() throws(NetworkError) -> [String: EnvironmentSubnet] {
        try withLock { () throws(NetworkError) in try read() }.environments
    }

    // MARK: The file

    private func update<T>(_ change: (inout Document) throws(NetworkError) -> T) throws(NetworkError) -> T {
        try withLock { () throws(NetworkError) -> T in
            var document = try read()
            let result = try change(&document)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            do {
                try PrivateFiles.writeAtomically(file, Array(try encoder.encode(document)))
            } catch {
                throw NetworkError.registryUnwritable(file: file, reason: "\(error)")
            }
            return result
        }
    }

    /// The registry as the file says, checked entry by entry; rebuilt from the running switches
    /// when there is no file.
    private func read() throws(NetworkError) -> Document {
        let bytes: [UInt8]
        do {
            bytes = try HostFiles.readBytes(at: file, limit: 1 << 20)
        } catch .missing {
            return recovered()
        } catch {
            throw unreadable(error.explanation)
        }
        guard let document = try? JSONDecoder().decode(Document.self, from: Data(bytes)) else {
            throw unreadable(bytes.isEmpty ? "it is empty" : "it is not the JSON boxer writes")
        }
        var seen: [EnvironmentSubnet: String] = [:]
        for (project, subnet) in document.environments {
            guard subnet.isUsable, project.hasPrefix("/") else {
                throw unreadable("the entry \"\(project.prefix(80))\": \(subnet) is not a project folder with a network boxer uses")
            }
            if let other = seen[subnet] { throw unreadable("\(other) and \(project) both have \(subnet)") }
            seen[subnet] = project
        }
        return document
    }

    /// The environments of the switches that run now, as far as their folders say.
    private func recovered() -> Document {
        var document = Document()
        for (subnet, project) in liveSwitches() {
            if let project, document.environments[project] == nil { document.environments[project] = subnet }
        }
        return document
    }

    private func unreadable(_ reason: String) -> NetworkError {
        .registryUnreadable(file: file, reason: reason)
    }

    private func withLock<T>(_ body: () throws(NetworkError) -> T) throws(NetworkError) -> T {
        let lock: FileLock?
        do {
            try PrivateFiles.makeFolders(folder)
            lock = try FileLock.acquire(URL(fileURLWithPath: folder + "/networks.lock"))
        } catch {
            throw NetworkError.registryUnlockable(folder: folder, reason: "\(error)")
        }
        guard let lock else { throw NetworkError.registryUnlockable(folder: folder, reason: nil) }
        defer { lock.unlock() }
        return try body()
    }
}
