import BoxArchive
import BoxerSupport
import Foundation

/// One installed box: a provider folder in the store.
public struct InstalledBox: Sendable, Equatable, Hashable {
    public let name: String
    public let version: String
    /// nil when stored without an architecture folder (direct adds, "unknown" catalog entries).
    public let architecture: String?
    public let provider: String
    public let directory: URL

    /// Vagrant's `box list` spelling: `name (provider, version[, arch])`.
    public var summary: String {
        "(\(provider), \(version)\(architecture.map { ", \($0)" } ?? ""))"
    }
}

/// The box store under `$BOXER_HOME/boxes`, laid out exactly as Vagrant's `~/.vagrant.d/boxes`:
/// `<name with "/" as -VAGRANTSLASH->/<version>/[<architecture>/]<provider>/`, with a `metadata_url`
/// file in the name folder for boxes that came from a catalog.
public struct BoxStore: Sendable {
    public let home: BoxerHome

    /// Opens the store, creating its folders, and removes work left by boxer runs that died.
    public init(home: BoxerHome) throws(BoxStoreError) {
        self.home = home
        do {
            try home.prepare()
        } catch {
            throw .io("Cannot create the boxer home \(home.root.path): \(error)")
        }
        removeAbandonedWork()
    }

    // MARK: - Names and paths

    /// Vagrant's folder name for a box name: "/" → "-VAGRANTSLASH-".
    public static func folderName(for boxName: String) -> String {
        // Standard library only: this runs on every `boxer status` (box Vagrantfile lookup).
        boxName.split(separator: "/", omittingEmptySubsequences: false).joined(separator: "-VAGRANTSLASH-")
    }

    public static func boxName(forFolder folder: String) -> String {
        folder.replacingOccurrences(of: "-VAGRANTSLASH-", with: "/")
    }

    /// Names that map to one safe folder: no empty parts, no "." or "..", no control characters.
    public static func validate(name: String) throws(BoxStoreError) {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.isEmpty, name.utf8.count <= 255,
            parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }),
            name.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) && $0 != "\\" && $0 != ":" })
        else { throw .invalidName(name) }
    }

    static func validate(component: String, what: String) throws(BoxStoreError) {
        guard !component.isEmpty, component != ".", component != "..", !component.contains("/"), !component.contains("\\") else {
            throw .io("'\(component)' is not a valid box \(what).")
        }
    }

    public func nameFolder(for name: String) -> URL {
        home.boxes.appendingPathComponent(Self.folderName(for: name), isDirectory: true)
    }

    public func providerFolder(name: String, version: String, architecture: String?, provider: String) -> URL {
        var folder = nameFolder(for: name).appendingPathComponent(version, isDirectory: true)
        if let architecture { folder.appendPathComponent(architecture, isDirectory: true) }
        return folder.appendingPathComponent(provider, isDirectory: true)
    }

    var lockFile: URL { home.data.appendingPathComponent("box-store.lock") }

    // MARK: - Listing

    /// Every installed box, sorted as `vagrant box list` sorts: name, provider, version (oldest
    /// first), architecture.
    public func list() -> [InstalledBox] {
        var found: [InstalledBox] = []
        for nameEntry in Self.subfolders(of: home.boxes) {
            let name = Self.boxName(forFolder: nameEntry.lastPathComponent)
            for versionEntry in Self.subfolders(of: nameEntry) {
                let version = versionEntry.lastPathComponent
                for child in Self.subfolders(of: versionEntry) {
                    if Self.isProviderFolder(child) {
                        found.append(
                            InstalledBox(
                                name: name, version: version, architecture: nil, provider: child.lastPathComponent, directory: child))
                    } else {
                        for providerEntry in Self.subfolders(of: child) where Self.isProviderFolder(providerEntry) {
                            found.append(
                                InstalledBox(
                                    name: name, version: version, architecture: child.lastPathComponent,
                                    provider: providerEntry.lastPathComponent, directory: providerEntry))
                        }
                    }
                }
            }
        }
        return found.sorted { lhs, rhs in
            if lhs.name != rhs.name { return lhs.name < rhs.name }
            if lhs.provider != rhs.provider { return lhs.provider < rhs.provider }
            if lhs.version != rhs.version { return BoxVersion.precedes(lhs.version, rhs.version) }
            return (lhs.architecture ?? "") < (rhs.architecture ?? "")
        }
    }

    /// The catalog URL a box was added from, if any.
    public func metadataURL(for name: String) -> String? {
        let file = nameFolder(for: name).appendingPathComponent("metadata_url")
        return (try? String(contentsOf: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func isProviderFolder(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("metadata.json").path)
    }

    static func subfolders(of url: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.sorted().compactMap { name in
            guard !name.hasPrefix(".") else { return nil }
            let child = url.appendingPathComponent(name, isDirectory: true)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: child.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
            return child
        }
    }

    // MARK: - Changing the store

    /// Moves an unpacked, validated box folder into the store in one rename. With `replace`, an
    /// existing box of the same name, version, architecture and provider is swapped out.
    @discardableResult
    public func install(
        folder: URL, name: String, version: String, architecture: String?, provider: String, metadataURL: String?, replace: Bool
    ) throws(BoxStoreError) -> InstalledBox {
        try Self.validate(name: name)
        try Self.validate(component: version, what: "version")
        try Self.validate(component: provider, what: "provider")
        if let architecture { try Self.validate(component: architecture, what: "architecture") }
        let destination = providerFolder(name: name, version: version, architecture: architecture, provider: provider)
        return try withStoreLock { () throws(BoxStoreError) -> InstalledBox in
            let fileManager = FileManager.default
            var replaced: URL?
            if fileManager.fileExists(atPath: destination.path) {
                guard replace else {
                    throw .alreadyExists(name: name, version: version, provider: provider, architecture: architecture)
                }
                let aside = home.temporary.appendingPathComponent("boxer-replaced-\(UUID().uuidString)")
                try Self.rename(destination, to: aside)
                replaced = aside
            }
            // Undoes everything above: the new box goes back to its work folder, the old one returns.
            func rollBack() {
                if fileManager.fileExists(atPath: destination.path) { try? Self.rename(destination, to: folder) }
                if let replaced { try? Self.rename(replaced, to: destination) }
                pruneEmptyFolders(above: destination, name: name)
            }
            do {
                try fileManager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Self.rename(folder, to: destination)
                if let metadataURL {
                    // Vagrant writes the URL without a trailing newline.
                    try Data(metadataURL.utf8).write(to: nameFolder(for: name).appendingPathComponent("metadata_url"), options: .atomic)
                }
            } catch {
                rollBack()
                throw .io("Cannot install the box into \(destination.path): \(error)")
            }
            if let replaced { try? fileManager.removeItem(at: replaced) }
            return InstalledBox(name: name, version: version, architecture: architecture, provider: provider, directory: destination)
        }
    }

    /// Removes the folders between a provider folder and the box's name folder that are empty,
    /// and the name folder itself once no version is left (its metadata_url goes with it).
    func pruneEmptyFolders(above providerFolder: URL, name: String) {
        let nameFolder = nameFolder(for: name)
        var folder = providerFolder.deletingLastPathComponent()
        while folder.path.count > nameFolder.path.count, Self.isEmptyFolder(folder) {
            try? FileManager.default.removeItem(at: folder)
            folder = folder.deletingLastPathComponent()
        }
        if FileManager.default.fileExists(atPath: nameFolder.path), Self.subfolders(of: nameFolder).isEmpty {
            try? FileManager.default.removeItem(at: nameFolder)
        }
    }

    /// Removes one installed box and the folders it leaves empty, as `vagrant box remove` does.
    public func remove(_ box: InstalledBox) throws(BoxStoreError) {
        try withStoreLock { () throws(BoxStoreError) in
            // Move aside first: the box disappears from the store at once, even if deleting its
            // gigabytes is interrupted.
            let aside = home.temporary.appendingPathComponent("boxer-removed-\(UUID().uuidString)")
            try Self.rename(box.directory, to: aside)
            try? FileManager.default.removeItem(at: aside)
            pruneEmptyFolders(above: box.directory, name: box.name)
        }
    }

    static func isEmptyFolder(_ url: URL) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? ["?"]).isEmpty
    }

    static func rename(_ source: URL, to destination: URL) throws(BoxStoreError) {
        guard Foundation.rename(source.path, destination.path) == 0 else {
            throw .io(SystemError(operation: "move \(source.path) to", path: destination.path, code: errno).description)
        }
    }

    func withStoreLock<T>(_ body: () throws(BoxStoreError) -> T) throws(BoxStoreError) -> T {
        let lock: FileLock
        do {
            lock = try FileLock(url: lockFile)
            try lock.lock()
        } catch {
            throw .io("Cannot lock the box store: \(error)")
        }
        defer { lock.unlock() }
        return try body()
    }
}
