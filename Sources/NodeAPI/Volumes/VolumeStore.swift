import BoxerSupport
import Foundation

/// The volumes of a boxer home, `$BOXER_HOME/volumes`. Every change to volumes (create, attach,
/// detach, snapshots, destroy) holds `volumes/.lock`: they are short, and one at a time keeps
/// two attaches from taking one hot-plug slot.
public struct VolumeStore: Sendable {
    public let folder: String

    public init(home: BoxerHome) {
        folder = home.path + "/volumes"
    }

    public func image(_ record: VolumeRecord) -> String { folder + "/" + record.name + "." + record.format.rawValue }
    func recordFile(_ name: String) -> String { folder + "/" + name + ".json" }

    public func list() -> [VolumeRecord] {
        HostFiles.entries(of: folder).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().compactMap {
            try? record(String($0.dropLast(5)))
        }
    }

    public func record(_ name: String) throws(NodeError) -> VolumeRecord? {
        guard NodeName.problem(name) == nil else { return nil }
        let file = recordFile(name)
        guard HostFiles.exists(file) else { return nil }
        do {
            return try NodeStore.decoder.decode(VolumeRecord.self, from: Data(try HostFiles.readText(at: file, limit: 1 << 20).utf8))
        } catch {
            throw NodeError.unreadableRecord(file, "\(error)")
        }
    }

    public func save(_ record: VolumeRecord) throws(NodeError) {
        let encoder = NodeStore.encoder
        do {
            try PrivateFiles.makeFolders(folder)
            try PrivateFiles.writeAtomically(recordFile(record.name), Array(try encoder.encode(record)) + [10])
        } catch {
            throw NodeError.cannotWrite(recordFile(record.name), "\(error)")
        }
    }

    /// The record goes first: a removal cut off halfway leaves an image no volume lists.
    public func remove(_ record: VolumeRecord) {
        unlink(recordFile(record.name))
        unlink(image(record))
    }

    /// Runs `body` holding the volumes' lock (waiting for it: the other holders are short).
    public func locked<T>(_ body: () async throws(NodeError) -> T) async throws(NodeError) -> T {
        let lock: FileLock?
        do {
            try PrivateFiles.makeFolders(folder)
            let url = URL(fileURLWithPath: folder + "/.lock")
            lock = try await onDedicatedThread { () throws -> FileLock? in try FileLock.acquire(url) }.get()
        } catch {
            throw NodeError.cannotWrite(folder + "/.lock", "\(error)")
        }
        defer { lock?.unlock() }
        return try await body()
    }
}
