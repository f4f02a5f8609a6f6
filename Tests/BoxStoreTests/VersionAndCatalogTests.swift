import BoxStore
import Foundation
import Testing

@Suite struct BoxVersionTests {
    @Test func ordersLikeRubyGems() throws {
        let ordered = ["0.9", "1.0.a", "1.0.b2", "1.0", "1.0.1", "1.2", "1.10", "2", "20250101.0.0"]
        let parsed = try ordered.map { try #require(BoxVersion($0)) }
        #expect(parsed == parsed.sorted())
        #expect(BoxVersion("1.0.0") == BoxVersion("1"))
        #expect(BoxVersion("1.0.a")?.isPrerelease == true)
        #expect(BoxVersion("abc") == nil)
        #expect(BoxVersion("") == nil)
        #expect(BoxVersion("1.0; rm") == nil)
    }

    @Test func requirementsMatchVagrantConstraints() throws {
        func satisfied(_ requirement: String, _ version: String) throws -> Bool {
            try #require(VersionRequirement(requirement)).isSatisfied(by: try #require(BoxVersion(version)))
        }
        #expect(try satisfied("1.2.3", "1.2.3"))
        #expect(try !satisfied("= 1.2.3", "1.2.4"))
        #expect(try satisfied(">= 1.0, < 2.0", "1.9.9"))
        #expect(try !satisfied(">= 1.0, < 2.0", "2.0"))
        #expect(try satisfied("~> 1.2", "1.9"))
        #expect(try !satisfied("~> 1.2", "2.0"))
        #expect(try satisfied("~> 1.2.3", "1.2.9"))
        #expect(try !satisfied("~> 1.2.3", "1.3.0"))
        #expect(try satisfied("!= 1.1", "1.2"))
        #expect(try satisfied("> 1", "1.0.1"))
        #expect(try satisfied("<= 1", "1.0.0"))
        #expect(VersionRequirement(">= banana") == nil)
        #expect(VersionRequirement("") == nil)
    }
}

@Suite struct CatalogSelectionTests {
    static let catalog = BoxCatalog(
        name: "org/multi",
        versions: [
            .init(
                version: "1.0.0",
                providers: [
                    .init(name: "libvirt", url: "a.box", architecture: "amd64", defaultArchitecture: true),
                    .init(name: "libvirt", url: "b.box", architecture: "arm64", defaultArchitecture: false),
                    .init(name: "virtualbox", url: "c.box", architecture: "amd64", defaultArchitecture: true),
                ]),
            .init(
                version: "1.10.0",
                providers: [
                    .init(name: "libvirt", url: "d.box", architecture: "arm64", defaultArchitecture: true)
                ]),
            .init(
                version: "1.2.0",
                providers: [
                    .init(name: "libvirt", url: "e.box", architecture: "amd64", defaultArchitecture: false),
                    .init(name: "libvirt", url: "f.box", architecture: "unknown", defaultArchitecture: true),
                ]),
            .init(version: "2.0.0", status: "revoked", providers: [.init(name: "libvirt", url: "g.box")]),
        ])

    func pick(requirement: String? = nil, providers: [String] = ["libvirt"], _ architecture: BoxCatalog.ArchitectureChoice) throws
        -> String?
    {
        try Self.catalog.select(
            requirement: requirement.flatMap(VersionRequirement.init), providers: providers, architecture: architecture)?.provider.url
    }

    @Test func hostArchitectureFirstThenUnknownDefault() throws {
        // Newest non-revoked version is 1.10.0 (numeric, not text, order): arm64 only.
        #expect(try pick(.auto(host: "arm64")) == "d.box")
        // An amd64 host skips it: Vagrant falls back only to an "unknown" default entry, never to
        // another architecture's, so 1.2.0's amd64 entry wins.
        #expect(try pick(.auto(host: "amd64")) == "e.box")
        #expect(try pick(requirement: "~> 1.2.0", .auto(host: "arm64")) == "f.box")
        #expect(try pick(requirement: "1.0.0", .auto(host: "arm64")) == "b.box")
        // 1.0.0 has amd64 and arm64 only: nothing for i386, and nothing older either.
        #expect(try pick(requirement: "1.0.0", .auto(host: "i386")) == nil)
        #expect(try pick(.auto(host: "riscv64")) == "f.box")
    }

    @Test func explicitArchitectureSkipsVersionsWithoutIt() throws {
        #expect(try pick(.named("amd64")) == "e.box")
        #expect(try pick(.named("unknown")) == "f.box")
        #expect(try pick(.named("riscv64")) == nil)
    }

    @Test func providerFilterAndAmbiguity() throws {
        #expect(try pick(providers: ["virtualbox"], .auto(host: "amd64")) == "c.box")
        #expect(try pick(providers: ["vmware_desktop", "libvirt"], .auto(host: "arm64")) == "d.box")
        #expect(throws: BoxStoreError.ambiguousProvider(box: "org/multi", version: "1.0.0", providers: ["libvirt", "virtualbox"])) {
            try pick(requirement: "1.0.0", providers: [], .auto(host: "amd64"))
        }
    }

    @Test func catalogsWithoutArchitectureAreDefaults() throws {
        let old = try BoxCatalog.parse(
            Data(
                #"{"name":"old/box","versions":[{"version":"3","providers":[{"name":"libvirt","url":"x.box","checksum_type":"sha256","checksum":"ab"}]}]}"#
                    .utf8), source: "old")
        let selection = try #require(try old.select(requirement: nil, providers: [], architecture: .auto(host: "arm64")))
        #expect(selection.provider.url == "x.box")
        #expect(selection.provider.storedArchitecture == nil)
        #expect(selection.provider.checksumType == "sha256")
    }

    @Test func invalidCatalogsNameTheField() {
        #expect(throws: BoxStoreError.invalidCatalog(source: "c.json", reason: "missing \"versions[0].providers[0].url\"")) {
            try BoxCatalog.parse(
                Data(#"{"name":"a/b","versions":[{"version":"1","providers":[{"name":"libvirt"}]}]}"#.utf8), source: "c.json")
        }
        #expect(throws: BoxStoreError.invalidCatalog(source: "c.json", reason: "\"versions\" has the wrong type")) {
            try BoxCatalog.parse(Data(#"{"name":"a/b","versions":{}}"#.utf8), source: "c.json")
        }
    }
}
