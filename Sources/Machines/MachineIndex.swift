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
        public var vagrantfileName: String?
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
            case vagrantfilePath = "vagrantfile_path", vagrantfileName = "vagrantfile_name"
            case localDataPath = "local_data_path", updatedAt = "updated_at", extraData = "extra_data"
        }

        public init(name: String, provider: String, architecture: String?, state: String, vagrantfilePath: String, localDataPath: String, box: BoxReference?) {
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

    struct Document: Codable {
        var version: Int
        var machines: [String: Entry]
    }

    public let folder: String

    public init(home: BoxerHome) {
        folder = home.path + "/data/machine-index"
    }

    var file: String { folder + "/index" }

    /// Every machine, by index UUID.
    public func entries() -> [String: Entry] {
        (try? withLock(.shared) { read() }) ?? [:]
    }

    /// Adds or replaces one machine's entry.
    public func set(_ uuid: String, _ entry: Entry) throws(MachineError) {
        try update { $0[uuid] = entry }
    }

    public func remove(_ uuid: String) throws(MachineError) {
        try update { $0[uuid] = nil }
    }

    public func update(_ change: (inout [String: Entry]) -> Void) throws(MachineError) {
        do {
            try withLock(.exclusive) {
                var machines = read()
                change(&machines)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let data = try encoder.encode(Document(version: 1, machines: machines))
                let temporary = file + ".tmp-\(getpid())"
                try data.write(to: URL(fileURLWithPath: temporary))
                guard rename(temporary, file) == 0 else { throw MachineError(.io, "cannot replace \(file)") }
            }
        } catch let error as MachineError {
            throw error
        } catch {
            throw MachineError(.io, "cannot update the machine index \(file): \(error)")
        }
    }

    private func read() -> [String: Entry] {
        guard let data = FileManager.default.contents(atPath: file),
              let document = try? JSONDecoder().decode(Document.self, from: data) else { return [:] }
        return document.machines
    }

    private func withLock<T>(_ mode: FileLock.Mode, _ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard let lock = try FileLock.acquire(URL(fileURLWithPath: folder + "/index.lock"), mode: mode) else {
            throw MachineError(.locked, "cannot lock the machine index in \(folder)")
        }
        defer { lock.unlock() }
        return try body()
    }
}
