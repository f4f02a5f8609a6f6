import BoxArchive
import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Testing

@Suite struct BoxStoreLayoutTests {
    @Test func directAddUsesVagrantsLayout() async throws {
        let fixture = try StoreFixture()
        let box = try fixture.makeBox("tiny.box")
        let installed = try await fixture.add(box.path, name: "test/tiny")
        #expect(installed.directory.path == fixture.home.boxes.path + "/test-VAGRANTSLASH-tiny/0/libvirt")
        #expect(
            fixture.boxesTree == [
                "test-VAGRANTSLASH-tiny", "test-VAGRANTSLASH-tiny/0", "test-VAGRANTSLASH-tiny/0/libvirt",
                "test-VAGRANTSLASH-tiny/0/libvirt/Vagrantfile", "test-VAGRANTSLASH-tiny/0/libvirt/box.img",
                "test-VAGRANTSLASH-tiny/0/libvirt/metadata.json",
            ])
        #expect(fixture.store.list() == [installed])
        #expect(fixture.events.lines.last == "==> box: Successfully added box 'test/tiny' (v0) for 'libvirt'!")
        // Nothing is left in tmp after a successful add.
        #expect(TemporaryFolder.tree(fixture.home.temporary).filter { !$0.hasSuffix(".lock") } == [])
    }

    @Test func namesKeepCaseAndNestedSlashes() async throws {
        let fixture = try StoreFixture()
        let box = try fixture.makeBox("tiny.box")
        _ = try await fixture.add(box.path, name: "a/b/c")
        _ = try await fixture.add("file://" + box.path, name: "Test/UPPER")
        _ = try await fixture.add(box.path, name: "plainname")
        #expect(
            Set(fixture.boxesTree.filter { !$0.contains("/") }) == [
                "Test-VAGRANTSLASH-UPPER", "a-VAGRANTSLASH-b-VAGRANTSLASH-c", "plainname",
            ])
        // Sorted by name as Vagrant sorts: byte order, so upper case first.
        #expect(fixture.store.list().map(\.name) == ["Test/UPPER", "a/b/c", "plainname"])
    }

    @Test func catalogAddWritesVersionArchitectureAndMetadataURL() async throws {
        let fixture = try StoreFixture(hostArchitecture: "arm64")
        let amd = try fixture.makeBox("amd.box")
        let arm = try fixture.makeBox("arm.box", extra: [.file("arm.txt", Data("arm".utf8))])
        let catalogURL = try fixture.writeCatalog(
            BoxCatalog(
                name: "test/versioned",
                versions: [
                    .init(
                        version: "1.2.3",
                        providers: [
                            .init(
                                name: "libvirt", url: "amd.box", checksumType: "sha256", checksum: try fixture.sha256(of: amd),
                                architecture: "amd64", defaultArchitecture: true),
                            .init(
                                name: "libvirt", url: "file://" + arm.path, checksumType: "SHA256",
                                checksum: try fixture.sha256(of: arm).uppercased(), architecture: "arm64", defaultArchitecture: false),
                        ])
                ]), to: "catalog.json")
        let installed = try await fixture.add(catalogURL.path)
        #expect(installed.name == "test/versioned")
        #expect(installed.version == "1.2.3")
        #expect(installed.architecture == "arm64")
        #expect(FileManager.default.fileExists(atPath: installed.directory.appendingPathComponent("arm.txt").path))
        #expect(installed.directory.path.hasSuffix("boxes/test-VAGRANTSLASH-versioned/1.2.3/arm64/libvirt"))
        let metadataURL = try String(
            contentsOf: fixture.home.boxes.appendingPathComponent("test-VAGRANTSLASH-versioned/metadata_url"), encoding: .utf8)
        #expect(metadataURL == "file://" + catalogURL.path)  // no trailing newline, as Vagrant writes it
        #expect(fixture.events.lines.contains("==> box: Calculating and comparing box checksum..."))

        // The amd64 entry can be asked for explicitly and lives beside it.
        let other = try await fixture.add(catalogURL.path, architecture: "amd64")
        #expect(other.architecture == "amd64")
        #expect(fixture.store.list().map(\.summary) == ["(libvirt, 1.2.3, amd64)", "(libvirt, 1.2.3, arm64)"])
    }

    @Test func unknownArchitectureIsStoredWithoutFolder() async throws {
        let fixture = try StoreFixture()
        _ = try fixture.makeBox("any.box")
        let catalog = try fixture.writeCatalog(
            BoxCatalog(
                name: "test/any",
                versions: [
                    .init(
                        version: "2.0",
                        providers: [.init(name: "libvirt", url: "any.box", architecture: "unknown", defaultArchitecture: true)])
                ]), to: "any.json")
        let installed = try await fixture.add(catalog.path, version: ">= 1.0")
        #expect(installed.architecture == nil)
        #expect(installed.directory.path.hasSuffix("test-VAGRANTSLASH-any/2.0/libvirt"))
    }

    @Test func removeAndPruneFollowVagrant() async throws {
        let fixture = try StoreFixture()
        let versions = ["1.0", "1.10", "1.9"]
        for version in versions {
            _ = try fixture.makeBox("v\(version).box")
        }
        _ = try fixture.makeBox("vb.box", provider: "virtualbox")
        let catalog = try fixture.writeCatalog(
            BoxCatalog(
                name: "test/many",
                versions: versions.map {
                    .init(version: $0, providers: [.init(name: "libvirt", url: "v\($0).box")])
                } + [.init(version: "1.10", providers: [.init(name: "virtualbox", url: "vb.box")])]), to: "many.json")
        for version in versions {
            _ = try await fixture.add(catalog.path, version: version, providers: ["libvirt"])
        }
        _ = try await fixture.add(catalog.path, version: "1.10", providers: ["virtualbox"])
        #expect(
            fixture.store.list().map { "\($0.version) \($0.provider)" } == [
                "1.0 libvirt", "1.9 libvirt", "1.10 libvirt", "1.10 virtualbox",
            ])

        #expect(throws: BoxStoreError.multipleProviders(name: "test/many", providers: ["libvirt", "virtualbox"])) {
            try fixture.store.boxesToRemove(name: "test/many", version: nil, provider: nil, architecture: nil, all: false)
        }
        #expect(throws: BoxStoreError.multipleVersions(name: "test/many", provider: "libvirt", versions: ["1.0", "1.9", "1.10"])) {
            try fixture.store.boxesToRemove(name: "test/many", version: nil, provider: "libvirt", architecture: nil, all: false)
        }
        #expect(throws: BoxStoreError.notInstalled(name: "nope", detail: "")) {
            try fixture.store.boxesToRemove(name: "nope", version: nil, provider: nil, architecture: nil, all: false)
        }

        let pruned = fixture.store.boxesToPrune()
        #expect(pruned.map(\.version) == ["1.0", "1.9"])
        for box in pruned { try fixture.store.remove(box) }
        #expect(fixture.store.list().map { "\($0.version) \($0.provider)" } == ["1.10 libvirt", "1.10 virtualbox"])

        for box in try fixture.store.boxesToRemove(name: "test/many", version: "1.10", provider: nil, architecture: nil, all: true) {
            try fixture.store.remove(box)
        }
        // The last version takes the name folder (and its metadata_url) with it.
        #expect(fixture.boxesTree == [])
    }

    @Test func forceReplacesAnInstalledBox() async throws {
        let fixture = try StoreFixture()
        let first = try fixture.makeBox("first.box")
        _ = try await fixture.add(first.path, name: "test/replace")
        let second = try fixture.makeBox("second.box", extra: [.file("second.txt", Data("2".utf8))])
        await #expect(throws: BoxStoreError.alreadyExists(name: "test/replace", version: "0", provider: "libvirt", architecture: nil)) {
            try await fixture.add(second.path, name: "test/replace")
        }
        let replaced = try await fixture.add(second.path, name: "test/replace", force: true)
        #expect(FileManager.default.fileExists(atPath: replaced.directory.appendingPathComponent("second.txt").path))
        #expect(fixture.store.list().count == 1)
    }

    @Test func legacyVirtualBoxBoxGetsMetadata() async throws {
        let fixture = try StoreFixture()
        let box = fixture.temp.path("v1.box")
        try TestArchive(entries: [.file("box.ovf", Data("<Envelope/>".utf8)), .file("box-disk1.vmdk", Data(count: 512))]).write(to: box)
        let installed = try await fixture.add(box.path, name: "old/v1")
        #expect(installed.provider == "virtualbox")
        #expect(try BoxMetadata(contentsOf: installed.directory, source: "v1").provider == "virtualbox")
    }

    @Test func outdatedReadsTheCatalogAgain() async throws {
        let fixture = try StoreFixture()
        _ = try fixture.makeBox("one.box")
        var catalog = BoxCatalog(
            name: "test/update", versions: [.init(version: "1.0", providers: [.init(name: "libvirt", url: "one.box")])])
        let catalogURL = try fixture.writeCatalog(catalog, to: "update.json")
        _ = try await fixture.add(catalogURL.path)
        let direct = try fixture.makeBox("direct.box")
        _ = try await fixture.add(direct.path, name: "test/direct")
        var checks = await fixture.store.checkOutdated(downloader: Downloader(), hostArchitecture: "amd64")
        #expect(
            checks.map(\.line) == [
                "* 'test/direct' for 'libvirt' wasn't added from a catalog, no update information",
                "* 'test/update' for 'libvirt' (v1.0) is up to date",
            ])
        catalog.versions.append(.init(version: "1.1", providers: [.init(name: "libvirt", url: "one.box")]))
        _ = try fixture.writeCatalog(catalog, to: "update.json")
        checks = await fixture.store.checkOutdated(downloader: Downloader(), hostArchitecture: "amd64")
        #expect(checks.last?.line == "* 'test/update' for 'libvirt' is outdated! Current: 1.0. Latest: 1.1")
    }
}
