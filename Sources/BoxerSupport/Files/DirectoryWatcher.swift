import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Watches folder trees for changes, for `rsync-auto`: inotify on Linux (a watch per folder,
/// added as folders appear), otherwise, or when asked, by comparing each file's size and
/// modification time every `pollInterval`. A burst of changes (an editor's save, a `git
/// checkout`) comes back as one answer: after the first change, the watcher waits until
/// `settle` passes without another.
///
/// Used from one thread at a time (`waitForChanges` blocks).
public final class DirectoryWatcher {
    public let roots: [String]
    private let excluded: @Sendable (String) -> Bool
    private let polling: Bool
    public var pollInterval: Double = 0.5
    public var settle: Double = 0.15
    #if canImport(Glibc)
        private var inotify: Int32 = -1
        /// Watch descriptor → (root index, folder path).
        private var watches: [Int32: (root: Int, path: String)] = [:]
    #endif
    private var lastScan: [[String: String]] = []

    /// `excluded(path)`: paths (relative to their root, folders ending in "/") left unwatched.
    public init(roots: [String], polling: Bool = false, excluded: @escaping @Sendable (String) -> Bool = { _ in false }) {
        self.roots = roots
        self.excluded = excluded
        #if canImport(Glibc)
            self.polling = polling
            if !polling {
                inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
                for (index, root) in roots.enumerated() { watchTree(root, root: index) }
            }
        #else
            self.polling = true
        #endif
        if self.polling { lastScan = roots.map { scan($0) } }
    }

    deinit {
        #if canImport(Glibc)
            if inotify >= 0 { close(inotify) }
        #endif
    }

    /// Whether inotify watches the trees (else they are polled).
    public var usesNotifications: Bool { !polling }

    /// Waits up to `timeout` seconds for a change; returns the indices of the roots that
    /// changed (empty when none did).
    public func waitForChanges(timeout: Double) -> Set<Int> {
        if polling { return pollChanges(timeout: timeout) }
        #if canImport(Glibc)
            var changed = readEvents(timeout: timeout)
            guard !changed.isEmpty else { return [] }
            while true {
                let more = readEvents(timeout: settle)
                if more.isEmpty { return changed }
                changed.formUnion(more)
            }
        #else
            return pollChanges(timeout: timeout)
        #endif
    }

    private func pollChanges(timeout: Double) -> Set<Int> {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let current = roots.map { scan($0) }
            let changed = Set(current.indices.filter { current[$0] != lastScan[$0] })
            lastScan = current
            if !changed.isEmpty {
                // Settle: until a scan finds nothing new.
                while true {
                    Thread.sleep(forTimeInterval: settle)
                    let again = roots.map { scan($0) }
                    if again == lastScan { return changed }
                    lastScan = again
                }
            }
            Thread.sleep(forTimeInterval: min(pollInterval, max(0, deadline.timeIntervalSinceNow)))
        } while Date() < deadline
        return []
    }

    /// Every file under `root` with its size and modification time, what `excluded` names left out.
    private func scan(_ root: String) -> [String: String] {
        var files: [String: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else { return files }
        while let relative = walker.nextObject() as? String {
            let attributes = walker.fileAttributes ?? [:]
            let isFolder = attributes[.type] as? FileAttributeType == .typeDirectory
            if excluded(relative + (isFolder ? "/" : "")) {
                if isFolder { walker.skipDescendants() }
                continue
            }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            files[relative] = "\(size) \(modified)"
        }
        return files
    }

    #if canImport(Glibc)
        private func watchTree(_ path: String, root: Int) {
            let mask = UInt32(IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF)
            let descriptor = inotify_add_watch(inotify, path, mask)
            if descriptor >= 0 { watches[descriptor] = (root, path) }
            for entry in HostFiles.entries(of: path) {
                let child = path + "/" + entry
                let relative = String(child.dropFirst(roots[root].count + 1)) + "/"
                if HostFiles.kind(of: child) == .directory, !excluded(relative) { watchTree(child, root: root) }
            }
        }

        /// The roots with events within `timeout`; a folder created is watched from then on.
        private func readEvents(timeout: Double) -> Set<Int> {
            var descriptor = pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(timeout * 1000)) > 0 else { return [] }
            var changed: Set<Int> = []
            var buffer = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                var offset = 0
                while offset + MemoryLayout<inotify_event>.size <= count {
                    let (watch, mask, length, name) = buffer.withUnsafeBytes { raw -> (Int32, UInt32, Int, String) in
                        let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                        let start = offset + MemoryLayout<inotify_event>.size
                        let bytes = raw[start..<min(start + Int(event.len), raw.count)].prefix { $0 != 0 }
                        return (event.wd, event.mask, Int(event.len), String(decoding: bytes, as: UTF8.self))
                    }
                    offset += MemoryLayout<inotify_event>.size + length
                    guard let (root, folder) = watches[watch] else { continue }
                    let path = name.isEmpty ? folder : folder + "/" + name
                    let relative = path.count > roots[root].count ? String(path.dropFirst(roots[root].count + 1)) : ""
                    let isFolder = mask & UInt32(IN_ISDIR) != 0
                    if excluded(relative + (isFolder ? "/" : "")) { continue }
                    if isFolder, mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { watchTree(path, root: root) }
                    changed.insert(root)
                }
            }
            return changed
        }
    #endif
}
