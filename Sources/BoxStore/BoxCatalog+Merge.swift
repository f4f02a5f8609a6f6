import Foundation

/// `boxer box publish`: a build's catalog (one version, one architecture) merged into the
/// catalog a box server or folder serves, across versions, providers and architectures.
extension BoxCatalog {
    /// What a merge did to one entry, for the command to say.
    public enum MergeChange: Sendable, Equatable {
        case added(version: String, provider: String, architecture: String)
        case replaced(version: String, provider: String, architecture: String)
    }

    /// Adds `build`'s entries; an entry for a version, provider and architecture the catalog has
    /// already replaces it (a rebuilt box). Versions stay in ascending order. Within a version,
    /// each provider has one default architecture (amd64, the common host, when it is there,
    /// else the one it had, else the first published), listed last: Vagrant before 2.4 knows no
    /// architectures and keeps the last entry of a provider (its entries go into a Hash by name),
    /// so it gets the default one.
    public mutating func merge(_ build: BoxCatalog, source: String) throws(BoxStoreError) -> [MergeChange] {
        guard build.name == name else { throw .nameMismatch(requested: name, catalog: build.name + " (in \(source))") }
        if description == nil { description = build.description }
        var changes: [MergeChange] = []
        for incoming in build.versions {
            guard BoxVersion(incoming.version) != nil else {
                throw .invalidCatalog(source: source, reason: "version '\(incoming.version)' is not a version such as 1.0.0")
            }
            let index: Int
            if let found = versions.firstIndex(where: { $0.version == incoming.version }) {
                index = found
            } else {
                versions.append(
                    Version(version: incoming.version, status: incoming.status, description: incoming.description, providers: []))
                index = versions.count - 1
            }
            for entry in incoming.providers {
                let architecture = entry.architecture ?? "unknown"
                var placed = entry
                placed.defaultArchitecture = nil
                if let existing = versions[index].providers.firstIndex(where: {
                    $0.name == entry.name && ($0.architecture ?? "unknown") == architecture
                }) {
                    placed.defaultArchitecture = versions[index].providers[existing].defaultArchitecture
                    versions[index].providers[existing] = placed
                    changes.append(.replaced(version: incoming.version, provider: entry.name, architecture: architecture))
                } else {
                    versions[index].providers.append(placed)
                    changes.append(.added(version: incoming.version, provider: entry.name, architecture: architecture))
                }
            }
            versions[index].providers = Self.withOneDefault(versions[index].providers)
        }
        // Every version was checked above, or was in the catalog already (unparsable ones last).
        versions.sort { left, right in
            switch (BoxVersion(left.version), BoxVersion(right.version)) {
            case (let a?, let b?): a < b
            case (.some, nil): true
            default: false
            }
        }
        return changes
    }

    /// Per provider name: exactly one entry marked `default_architecture: true` (amd64's, else
    /// the one already marked, else the first), listed after the provider's other entries.
    static func withOneDefault(_ entries: [Provider]) -> [Provider] {
        var result: [Provider] = []
        var names: [String] = []
        for entry in entries where !names.contains(entry.name) { names.append(entry.name) }
        for name in names {
            var group = entries.filter { $0.name == name }
            let chosen = group.firstIndex { $0.architecture == "amd64" } ?? group.firstIndex { $0.defaultArchitecture == true } ?? 0
            for position in group.indices { group[position].defaultArchitecture = position == chosen }
            result += group.enumerated().filter { $0.offset != chosen }.map(\.element)
            result.append(group[chosen])
        }
        return result
    }
}
