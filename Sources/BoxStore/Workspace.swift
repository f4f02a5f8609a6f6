import BoxerSupport
import Foundation
import Logging

/// A private folder under `$BOXER_HOME/tmp` for one boxer run, on the store's filesystem so its
/// contents can be renamed into place. A lock held for the run's lifetime marks it as in use; once
/// its owner dies (even by kill -9) the kernel drops the lock and the next command removes it.
public final class Workspace {
    public let folder: URL
    private let lock: FileLock
    private var kept = false

    static let prefix = "boxer-work-"

    public init(home: BoxerHome, purpose: String) throws(BoxStoreError) {
        let id = "\(Self.prefix)\(purpose)-\(getpid())-\(UUID().uuidString.prefix(8))"
        folder = home.temporary.appendingPathComponent(id, isDirectory: true)
        do {
            // The lock exists (and is held) before the folder, so a folder without a lock is abandoned.
            guard let held = try FileLock.acquire(home.temporary.appendingPathComponent(id + ".lock"), wait: false) else {
                throw BoxStoreError.io("workspace \(id) is in use")
            }
            lock = held
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch let error as BoxStoreError {
            throw error
        } catch {
            throw .io("Cannot create a work folder in \(home.temporary.path): \(error)")
        }
    }

    /// A new empty folder inside the workspace.
    public func subfolder(_ name: String) throws(BoxStoreError) -> URL {
        let url = folder.appendingPathComponent(name, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw .io("Cannot create \(url.path): \(error)")
        }
        return url
    }

    /// Removes the folder, then its lock file, while still holding the lock; also run on deinit.
    public func discard() {
        guard !kept else { return }
        kept = true
        try? FileManager.default.removeItem(at: folder)
        try? FileManager.default.removeItem(at: lock.url)
        lock.unlock()
    }

    deinit {
        discard()
    }
}

extension BoxStore {
    static let logger = Logger(label: "boxer.store")

    /// Partial downloads are kept this long for resuming, as Vagrant does.
    static let partialDownloadLifetime: TimeInterval = 24 * 3600

    /// Removes work folders of boxer runs that are gone, and partial downloads older than a day.
    /// Files of other programs sharing the folder (Vagrant's own tmp files) are left alone.
    func removeAbandonedWork() {
        let fileManager = FileManager.default
        let temporary = home.temporary
        guard let names = try? fileManager.contentsOfDirectory(atPath: temporary.path) else { return }
        for name in names where name.hasPrefix("boxer-") {
            let url = temporary.appendingPathComponent(name)
            if name.hasSuffix(".lock") {
                let owned = String(name.dropLast(".lock".count))
                // `acquire` checks the lock file still has its name, so a workspace whose owner is
                // just starting (and verifies the same way) is never taken for abandoned.
                guard owned.hasPrefix(Workspace.prefix), let lock = try? FileLock.acquire(url, wait: false, create: false) else { continue }
                Self.logger.info("removing work folder \(owned) left by a boxer run that is gone")
                try? fileManager.removeItem(at: temporary.appendingPathComponent(owned))
                try? fileManager.removeItem(at: url)
                lock.unlock()
            } else if name.hasPrefix(Workspace.prefix) {
                if !fileManager.fileExists(atPath: url.path + ".lock") {
                    try? fileManager.removeItem(at: url)
                }
            } else if name.hasPrefix("boxer-replaced-") || name.hasPrefix("boxer-removed-") {
                // Left by a run killed between moving a box aside and deleting it; only ever
                // created under the store lock, so take it to be sure nobody is mid-move.
                _ = try? withStoreLock { () throws(BoxStoreError) in try? fileManager.removeItem(at: url) }
            } else if name.hasPrefix(PartialDownload.prefix), !name.hasSuffix(".lock") {
                let modified = (try? fileManager.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? Date()
                guard Date().timeIntervalSince(modified) > Self.partialDownloadLifetime,
                    let lock = try? FileLock.acquire(URL(fileURLWithPath: url.path + ".lock"), wait: false)
                else { continue }
                try? fileManager.removeItem(at: url)
                try? fileManager.removeItem(at: lock.url)
                lock.unlock()
            }
        }
    }
}
