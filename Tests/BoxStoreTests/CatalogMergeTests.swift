import BoxStore
import Foundation
import Testing

/// `boxer box publish`'s merge: builds' one-version, one-architecture catalogs into one.
@Suite struct CatalogMergeTests {
    static func build(_ version: String, _ architecture: String, provider: String = "libvirt") -> BoxCatalog {
        BoxCatalog(
            name: "acme/tiny",
            versions: [
                .init(
                    version: version,
                    providers: [
                        .init(
                            name: provider, url: "file:///out/tiny-\(version)-\(architecture).box", checksumType: "sha512",
                            checksum: "\(version)-\(architecture)", architecture: architecture, defaultArchitecture: true)
                    ])
            ])
    }

    @Test func versionsProvidersAndArchitecturesMergeWithOneDefaultFirst() throws {
        var catalog = BoxCatalog(name: "acme/tiny", versions: [])
        var changes: [BoxCatalog.MergeChange] = []
        for (version, architecture) in [("1.1.0", "arm64"), ("1.0.0", "arm64"), ("1.0.0", "amd64"), ("1.1.0", "amd64")] {
            changes += try catalog.merge(Self.build(version, architecture), source: "\(version)-\(architecture).json")
        }
        #expect(changes.count == 4 && changes.allSatisfy { if case .added = $0 { true } else { false } })
        #expect(catalog.versions.map(\.version) == ["1.0.0", "1.1.0"], "ascending")
        for version in catalog.versions {
            #expect(version.providers.count == 2)
            #expect(version.providers.filter { $0.defaultArchitecture == true }.count == 1, "one default per provider")
            #expect(version.providers.last?.defaultArchitecture == true, "the default last, for Vagrant before 2.4")
        }
        // amd64, the common host, is the default wherever it is, though arm64 came first.
        #expect(catalog.versions.allSatisfy { $0.providers.last?.architecture == "amd64" })

        // A rebuilt box replaces its entry and keeps its place as default or not.
        var rebuilt = Self.build("1.0.0", "amd64")
        rebuilt.versions[0].providers[0].checksum = "new"
        #expect(
            try catalog.merge(rebuilt, source: "rebuilt.json") == [.replaced(version: "1.0.0", provider: "libvirt", architecture: "amd64")])
        #expect(catalog.versions[0].providers.last?.checksum == "new" && catalog.versions[0].providers.last?.defaultArchitecture == true)

        // Another provider is a group of its own, with its own default.
        _ = try catalog.merge(Self.build("1.0.0", "amd64", provider: "virtualbox"), source: "vbox.json")
        #expect(catalog.versions[0].providers.filter { $0.defaultArchitecture == true }.map(\.name).sorted() == ["libvirt", "virtualbox"])

        // What boxer's own selection makes of it: the architecture asked for.
        let arm = try catalog.select(
            requirement: VersionRequirement("1.0.0"), providers: ["libvirt"], architecture: .named("arm64"))
        #expect(arm?.provider.checksum == "1.0.0-arm64")
    }

    @Test func anotherBoxsCatalogIsRefused() {
        var catalog = BoxCatalog(name: "acme/tiny", versions: [])
        var other = Self.build("1.0.0", "amd64")
        other.name = "acme/other"
        #expect(throws: BoxStoreError.self) { try catalog.merge(other, source: "other.json") }
        var bad = Self.build("1.0.0", "amd64")
        bad.versions[0].version = "one"
        #expect(throws: BoxStoreError.self) { try catalog.merge(bad, source: "bad.json") }
    }
}
