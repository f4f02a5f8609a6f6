import BoxArchive
import BoxerSupport
import Foundation

extension BoxStore {
    /// Installed boxes matching every filter that is given.
    public func find(name: String, version: String? = nil, provider: String? = nil, architecture: String? = nil) -> [InstalledBox] {
        list().filter { box in
            box.name == name
                && (version == nil || box.version == version
                    || (BoxVersion(box.version) != nil && BoxVersion(box.version) == version.flatMap(BoxVersion.init)))
                && (provider == nil || box.provider == provider)
                && (architecture == nil || box.architecture == architecture)
        }
    }

    /// What `box remove` would delete, refusing ambiguous requests as Vagrant does.
    public func boxesToRemove(name: String, version: String?, provider: String?, architecture: String?, all: Bool) throws(BoxStoreError)
        -> [InstalledBox]
    {
        let matching = find(name: name, version: version, provider: provider, architecture: architecture)
        guard !matching.isEmpty else {
            let filters = [version.map { "version \($0)" }, provider.map { "provider \($0)" }, architecture.map { "architecture \($0)" }]
                .compactMap { $0 }
            throw .notInstalled(name: name, detail: filters.isEmpty ? "" : " with " + filters.joined(separator: ", "))
        }
        if all { return matching }
        let providers = Set(matching.map(\.provider))
        if providers.count > 1 {
            throw .multipleProviders(name: name, providers: providers.sorted())
        }
        let versions = matching.map { $0.version + ($0.architecture.map { " (\($0))" } ?? "") }
        if matching.count > 1 {
            throw .multipleVersions(name: name, provider: matching[0].provider, versions: versions)
        }
        return matching
    }

    /// Every version but the newest of each box, provider and architecture: what `box prune` removes.
    public func boxesToPrune(name: String? = nil, provider: String? = nil) -> [InstalledBox] {
        let candidates = list().filter { (name == nil || $0.name == name) && (provider == nil || $0.provider == provider) }
        let groups = Dictionary(grouping: candidates) { "\($0.name)\u{0}\($0.provider)\u{0}\($0.architecture ?? "")" }
        return groups.values.flatMap { group -> [InstalledBox] in
            let sorted = group.sorted { BoxVersion.precedes($0.version, $1.version) }
            return Array(sorted.dropLast())
        }.sorted { ($0.name, $0.version, $0.provider) < ($1.name, $1.version, $1.provider) }
    }

    /// The newest installed version of each box, provider and architecture.
    public func newestBoxes() -> [InstalledBox] {
        let pruned = Set(boxesToPrune())
        return list().filter { !pruned.contains($0) }
    }
}

/// Whether an installed box has a newer version in its catalog.
public struct OutdatedCheck: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case upToDate
        case outdated(latest: String)
        case notFromCatalog
        case failed(String)
    }

    public let box: InstalledBox
    public let status: Status

    /// Vagrant's `box outdated --global` line.
    public var line: String {
        let subject = "* '\(box.name)' for '\(box.provider)'\(box.architecture.map { " (\($0))" } ?? "")"
        switch status {
        case .upToDate: return "\(subject) (v\(box.version)) is up to date"
        case .outdated(let latest): return "\(subject) is outdated! Current: \(box.version). Latest: \(latest)"
        case .notFromCatalog: return "\(subject) wasn't added from a catalog, no update information"
        case .failed(let reason): return "\(subject): cannot check for updates: \(reason)"
        }
    }
}

extension BoxStore {
    /// Checks each box's catalog (from `metadata_url`) for a newer version for its provider and architecture.
    public func checkOutdated(downloader: Downloader, hostArchitecture: String) async -> [OutdatedCheck] {
        var results: [OutdatedCheck] = []
        var catalogs: [String: Result<BoxCatalog, BoxStoreError>] = [:]
        for box in newestBoxes() {
            guard let address = metadataURL(for: box.name), let url = URL(string: address) else {
                results.append(OutdatedCheck(box: box, status: .notFromCatalog))
                continue
            }
            if catalogs[address] == nil {
                catalogs[address] = await Self.loadCatalog(url, downloader: downloader)
            }
            switch catalogs[address] {
            case .success(let catalog)?:
                let choice: BoxCatalog.ArchitectureChoice = box.architecture.map { .named($0) } ?? .auto(host: hostArchitecture)
                let selection = try? catalog.select(requirement: nil, providers: [box.provider], architecture: choice)
                if let selection, let latest = BoxVersion(selection.version.version), let current = BoxVersion(box.version),
                    latest > current
                {
                    results.append(OutdatedCheck(box: box, status: .outdated(latest: selection.version.version)))
                } else {
                    results.append(OutdatedCheck(box: box, status: .upToDate))
                }
            case .failure(let error)?:
                results.append(OutdatedCheck(box: box, status: .failed(error.description)))
            case nil:
                break
            }
        }
        return results
    }

    static func loadCatalog(_ url: URL, downloader: Downloader) async -> Result<BoxCatalog, BoxStoreError> {
        do {
            let data: Data
            if url.isFileURL {
                guard let contents = FileManager.default.contents(atPath: url.path) else {
                    throw BoxStoreError.io("Cannot read the catalog \(url.path)")
                }
                data = contents
            } else {
                data = try await downloader.fetch(url)
            }
            return .success(try BoxCatalog.parse(data, source: url.absoluteString))
        } catch let error as BoxStoreError {
            return .failure(error)
        } catch {
            return .failure(.io("\(error)"))
        }
    }
}

/// What a box's catalog says about one installed version.
public enum BoxUpdate: Sendable, Equatable {
    /// The box was added from a file, with no catalog to ask.
    case noCatalog
    case upToDate
    /// A newer version for the same provider and architecture, and the catalog that lists it.
    case newer(version: String, catalogURL: String)
}

extension BoxStore {
    /// Asks the catalog box `name` was added from whether a version newer than `current`
    /// exists for `provider` and `architecture` within `requirement` (Vagrant's `has_update?`).
    public func update(
        name: String, current: String, provider: String, architecture: String?, requirement: String?, downloader: Downloader,
        hostArchitecture: String
    ) async throws(BoxStoreError) -> BoxUpdate {
        guard let address = metadataURL(for: name), let url = URL(string: address) else { return .noCatalog }
        let parsedRequirement = try requirement.flatMap { $0.isEmpty ? nil : $0 }.map { text throws(BoxStoreError) -> VersionRequirement in
            guard let parsed = VersionRequirement(text) else { throw .invalidVersionRequirement(text) }
            return parsed
        }
        let catalog = try await Self.loadCatalog(url, downloader: downloader).get()
        let choice: BoxCatalog.ArchitectureChoice = architecture.map { .named($0) } ?? .auto(host: hostArchitecture)
        guard let selection = try catalog.select(requirement: parsedRequirement, providers: [provider], architecture: choice),
            let latest = BoxVersion(selection.version.version), let installed = BoxVersion(current), latest > installed
        else { return .upToDate }
        return .newer(version: selection.version.version, catalogURL: address)
    }
}
