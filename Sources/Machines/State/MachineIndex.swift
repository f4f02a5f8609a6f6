import BoxerSupport
import Foundation

/// The global machine index, `$BOXER_HOME/data/machine-index/index`, in Vagrant's format, so
/// `global-status` lists every machine of every project and `destroy <id>` works from anywhere.
/// Every change happens under `index.lock`, read-modify-write, and the file is replaced whole.
public struct MachineIndex: Sendable {
    public struct Entry: Sendable, Codable, Equatable {
        public var name: String
        public var provider: String
        public var architecture: String?
        public var state: String
        /// The project folder.
        public var vagrantfilePath: String
        /// Vagrant writes a list here when VAGRANT_VAGRANTFILE names the file.
        public var vagrantfileName: [String]?
        /// The project's `.vagrant` folder.
        public var localDataPath: String
        public var updatedAt: String?
        public var extraData: ExtraData?

        public struct ExtraData: Sendable, Codable, Equatable {
            public var box: BoxReference?
        }

        public struct BoxReference: Sendable, Codable, Equatable {
            public var name: String
            public var provider: String
            public var version: String
        }

        enum CodingKeys: String, CodingKey {
            case name, provider, architecture, state
            case vagrantfilePath = "vagrantfile_path"
            case vagrantfileName = "vagrantfile_name"
            case localDataPath = "local_data_path"
            case updatedAt = "updated_at"
            case extraData = "extra_data"
        }

        public init(
            name: String, provider: String, architecture: String?, state: String, vagrantfilePath: String, localDataPath: String,
            box: BoxReference?
        ) {
            self.name = name
            self.provider = provider
            self.architecture = architecture
            self.state = state
            self.vagrantfilePath = vagrantfilePath
            self.vagrantfileName = nil
            self.localDataPath = localDataPath
            self.updatedAt = nil
            self.extraData = box.map { ExtraData(box: $0) }
        }
    }

    public let folder: String

    public init(home: BoxerHome) {
        folder = home.path + "/data/machine-index"
    }

    var file: String { folder + "/index" }

    /// Every machine, by index UUID (entries boxer cannot read are left out here, and kept).
    public func entries() -> [String: Entry] {
        guard let machines = try? withLock(.shared, { try readRaw() }) else { return [:] }
        return machines.compactMapValues { raw in
            guard let data = try? JSONSerialization.data(withJSONObject: raw) else { return nil }
            return try? JSONDecoder().decode(Entry.self, from: data)
        }
    }

    /// Adds or replaces one machine's entry.
    public func set(_ uuid: String, _ entry: Entry) throws(MachineError) {
        let encoded: Any
        do {
            encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(entry))
        } catch {
            throw MachineError.cannotEncodeIndexEntry(entry.name, error)
        }
        try updateRaw { $0[uuid] = encoded }
    }

    public func remove(_ uuid: String) throws(MachineError) {
        try updateRaw { $0[uuid] = nil }
    }

    /// Removes entries.
    public func remove(_ uuids: [String]) throws(MachineError) {
        try updateRaw { machines in for uuid in uuids { machines[uuid] = nil } }
    }

    /// Read-modify-write of the raw entries: the index is shared with Vagrant
    /// (`BOXER_HOME=~/.vagrant.d`), so entries and keys boxer does not know are written back as
    /// they were, and a file that cannot be read is left alone rather than replaced.
    private func updateRaw(_ change: (inout [String: Any]) -> Void) throws(MachineError) {
        do {
            try withLock(.exclusive) {
                var machines = try readRaw()
                change(&machines)
                let data = try JSONSerialization.data(withJSONObject: ["version": 1, "machines": machines], options: [.sortedKeys])
                try PrivateFiles.writeAtomically(file, Array(data))
            }
        } catch let error as MachineError {
            throw error
        } catch {
            throw MachineError.cannotUpdateIndex(file, error)
        }
    }

    /// The `machines` object of the index; empty when there is no index yet.
    private func readRaw() throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: file), !data.isEmpty else { return [:] }
        guard let document = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw MachineError.unreadableIndex(file)
        }
        return document["machines"] as? [String: Any] ?? [:]
    }

    private func withLock<T>(_ mode: FileLock.Mode, _ body: () throws -> T) throws -> T {
        try PrivateFiles.makeFolders(folder)
        guard let lock = try FileLock.acquire(URL(fileURLWithPath: folder + "/index.lock"), mode: mode) else {
            throw MachineError.cannotLockIndex(in: folder)
        }
        defer { lock.unlock() }
        return try body()
    }
}

extension MachineIndex {
    /// A machine made from a box, as `box remove` lists it.
    public struct BoxUser: Sendable, Equatable {
        public var uuid: String
        public var name: String
        public var project: String
    }

    /// The machines of the index made from any of `boxes` (name, version, provider) whose
    /// folders still say they exist (their `index_uuid` is the entry's), as Vagrant checks.
    public func users(of boxes: [(name: String, version: String, provider: String)]) -> [BoxUser] {
        entries().compactMap { uuid, entry -> BoxUser? in
            guard let box = entry.extraData?.box,
                boxes.contains(where: { $0.name == box.name && $0.version == box.version && $0.provider == box.provider }),
                MachineFolder.isSafeName(entry.name), MachineFolder.isSafeName(entry.provider), entry.vagrantfilePath.hasPrefix("/")
            else { return nil }
            let folder = MachineFolder(projectRoot: entry.vagrantfilePath, machineName: entry.name, provider: entry.provider)
            guard folder.indexUUID == uuid, folder.recordedID != .absent else { return nil }
            return BoxUser(uuid: uuid, name: entry.name, project: entry.vagrantfilePath)
        }.sorted { ($0.project, $0.name) < ($1.project, $1.name) }
    }
}
