import BoxerSupport
import Foundation

/// The nodes of a boxer home: `$BOXER_HOME/nodes/<name>/`, each a one-machine project that
/// boxer writes (its `Vagrantfile`, `node.json`, the credentials and user data it was created
/// with) and the machine's `.vagrant` folder, so `boxer status` and `boxer ssh` work in it too.
public struct NodeStore: Sendable {
    public let folder: String

    public init(home: BoxerHome) {
        folder = home.path + "/nodes"
    }

    public func path(of name: String) -> String { folder + "/" + name }
    public func recordFile(of name: String) -> String { path(of: name) + "/node.json" }

    /// Every node with a readable record, by name.
    public func list() -> [NodeRecord] {
        HostFiles.entries(of: folder).filter { !$0.hasPrefix(".") && NodeName.problem($0) == nil }.sorted().compactMap {
            try? record($0)
        }
    }

    /// The node's record; nil when there is no such node.
    public func record(_ name: String) throws(NodeError) -> NodeRecord? {
        guard NodeName.problem(name) == nil else { return nil }
        let file = recordFile(of: name)
        guard HostFiles.exists(file) else { return nil }
        do {
            let text = try HostFiles.readText(at: file, limit: 1 << 20)
            return try Self.decoder.decode(NodeRecord.self, from: Data(text.utf8))
        } catch {
            throw NodeError.unreadableRecord(file, "\(error)")
        }
    }

    /// Makes the node's folder with `record` and `files` in it, all at once: they are written to
    /// a folder of their own and renamed into place, so that of two creates with one name only
    /// one succeeds (the other gets `nameTaken`) and no half-made node is ever listed. Returns the
    /// node's lock, taken before the folder appears, so no other operation gets in first.
    @discardableResult
    public func create(_ record: NodeRecord, files: [String: (text: String, mode: mode_t)]) throws(NodeError) -> FileLock {
        var random = SystemRandomNumberGenerator()
        let staging = folder + "/.new-\(record.name)-\(getpid())-\(random.next() & 0xffff_ffff)"
        let lock: FileLock?
        do {
            try PrivateFiles.makeFolders(staging + "/.vagrant")
            // The lock file moves with the folder: the lock stays held across the rename.
            lock = try FileLock.acquire(URL(fileURLWithPath: staging + "/.vagrant/boxer.lock"), wait: false)
            try PrivateFiles.writeAtomically(staging + "/node.json", Array(Self.encoded(record).utf8))
            for (name, file) in files { try PrivateFiles.writeAtomically(staging + "/" + name, Array(file.text.utf8), mode: file.mode) }
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw NodeError.cannotWrite(staging, "\(error)")
        }
        // rename(2) replaces an empty folder but not one with files: every node folder has its record.
        if rename(staging, path(of: record.name)) != 0 {
            let code = errno
            try? FileManager.default.removeItem(atPath: staging)
            if code == ENOTEMPTY || code == EEXIST || code == ENOTDIR { throw NodeError.nameTaken(record.name) }
            throw NodeError.cannotWrite(path(of: record.name), String(cString: strerror(code)))
        }
        guard let lock else { throw NodeError.busy(record.name) }
        return lock
    }

    /// Replaces the node's record.
    public func save(_ record: NodeRecord) throws(NodeError) {
        do {
            try PrivateFiles.writeAtomically(recordFile(of: record.name), Array(Self.encoded(record).utf8))
        } catch {
            throw NodeError.cannotWrite(recordFile(of: record.name), "\(error)")
        }
    }

    /// Removes the node's folder (its machine must be destroyed first). The record goes first, so
    /// a removal cut off halfway leaves a folder that is no node and is not listed.
    public func remove(_ name: String) {
        guard NodeName.problem(name) == nil else { return }
        unlink(recordFile(of: name))
        try? FileManager.default.removeItem(atPath: path(of: name))
    }

    /// Holds the node's lock for one operation; nil when another operation holds it. The lock is the
    /// project lock of `boxer up` and the other machine commands (`.vagrant/boxer.lock`), so a
    /// `boxer halt` run in the node's folder and the API never act on it at once.
    public func lock(_ name: String) throws(NodeError) -> FileLock? {
        let dotVagrant = path(of: name) + "/.vagrant"
        do {
            try PrivateFiles.makeFolders(dotVagrant)
            return try FileLock.acquire(URL(fileURLWithPath: dotVagrant + "/boxer.lock"), wait: false)
        } catch {
            throw NodeError.cannotWrite(dotVagrant + "/boxer.lock", "\(error)")
        }
    }

    /// Staging folders left by creates that were cut off before their rename.
    public func removeStaleStaging(olderThan age: TimeInterval = 3600) {
        for entry in HostFiles.entries(of: folder) where entry.hasPrefix(".new-") {
            let path = folder + "/" + entry
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
            if Date().timeIntervalSince(modified) > age { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    static func encoded(_ record: NodeRecord) -> String {
        ((try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }

    /// How node, volume and forward records are written: indented, sorted, ISO 8601 dates.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
