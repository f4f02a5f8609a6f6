import Foundation

/// A box catalog ("metadata") document as Vagrant reads it from a box server or a local JSON file.
public struct BoxCatalog: Codable, Sendable, Equatable {
    public var name: String
    public var description: String?
    public var versions: [Version]

    public struct Version: Codable, Sendable, Equatable {
        public var version: String
        public var status: String?
        public var description: String?
        public var providers: [Provider]

        public init(version: String, status: String? = nil, description: String? = nil, providers: [Provider]) {
            self.version = version
            self.status = status
            self.description = description
            self.providers = providers
        }
    }

    public struct Provider: Codable, Sendable, Equatable {
        public var name: String
        public var url: String
        public var checksumType: String?
        public var checksum: String?
        /// Vagrant ≥ 2.4; absent in older catalogs, which is read as "unknown".
        public var architecture: String?
        /// Vagrant ≥ 2.4; absent means this entry is the default for its provider.
        public var defaultArchitecture: Bool?

        enum CodingKeys: String, CodingKey {
            case name, url, checksum, architecture
            case checksumType = "checksum_type"
            case defaultArchitecture = "default_architecture"
        }

        public init(
            name: String, url: String, checksumType: String? = nil, checksum: String? = nil, architecture: String? = nil,
            defaultArchitecture: Bool? = nil
        ) {
            self.name = name
            self.url = url
            self.checksumType = checksumType
            self.checksum = checksum
            self.architecture = architecture
            self.defaultArchitecture = defaultArchitecture
        }

        /// The architecture folder the box is stored under: none for "unknown".
        public var storedArchitecture: String? {
            guard let architecture, architecture != "unknown", !architecture.isEmpty else { return nil }
            return architecture
        }

        var isDefaultArchitecture: Bool { defaultArchitecture ?? true }
    }

    public init(name: String, description: String? = nil, versions: [Version]) {
        self.name = name
        self.description = description
        self.versions = versions
    }

    /// Parses a catalog; `source` names it in errors.
    public static func parse(_ data: Data, source: String) throws(BoxStoreError) -> BoxCatalog {
        do {
            return try JSONDecoder().decode(BoxCatalog.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalidCatalog(source: source, reason: "missing \"\(Self.path(context.codingPath + [key]))\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidCatalog(source: source, reason: "\"\(Self.path(context.codingPath))\" has the wrong type")
        } catch {
            throw .invalidCatalog(source: source, reason: "it is not valid catalog JSON")
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    /// How the architecture of a catalog entry is chosen.
    public enum ArchitectureChoice: Sendable, Equatable {
        /// Vagrant's `:auto`: the host's architecture, else an "unknown"-architecture entry marked
        /// as the default (which is what every entry of a pre-2.4 catalog is).
        case auto(host: String)
        /// Exactly this architecture.
        case named(String)
    }

    public struct Selection: Sendable, Equatable {
        public let version: Version
        public let provider: Provider
    }

    /// Picks the newest version satisfying `requirement` that has an entry for one of `providers`
    /// (any provider when empty) and the architecture, as Vagrant 2.4 does.
    public func select(requirement: VersionRequirement?, providers: [String], architecture: ArchitectureChoice) throws(BoxStoreError)
        -> Selection?
    {
        let ordered = versions.compactMap { entry in BoxVersion(entry.version).map { (entry, $0) } }
            .sorted { $0.1 > $1.1 }
        for (entry, version) in ordered {
            if let requirement, !requirement.isSatisfied(by: version) { continue }
            if entry.status == "revoked" { continue }
            let candidates = entry.providers.filter { providers.isEmpty || providers.contains($0.name) }
            let names = Set(candidates.map(\.name))
            if providers.isEmpty, names.count > 1 {
                throw .ambiguousProvider(box: name, version: entry.version, providers: names.sorted())
            }
            // Respect the order the user listed providers in.
            let preferred = providers.isEmpty ? [candidates.first?.name].compactMap { $0 } : providers
            for providerName in preferred {
                let forProvider = candidates.filter { $0.name == providerName }
                if let chosen = Self.pick(forProvider, architecture: architecture) {
                    return Selection(version: entry, provider: chosen)
                }
            }
        }
        return nil
    }

    static func pick(_ entries: [Provider], architecture: ArchitectureChoice) -> Provider? {
        switch architecture {
        case .auto(let host):
            return entries.first { $0.architecture == host }
                ?? entries.first { ($0.architecture ?? "unknown") == "unknown" && $0.isDefaultArchitecture }
        case .named(let wanted):
            return entries.first { ($0.architecture ?? "unknown") == wanted }
        }
    }
}
