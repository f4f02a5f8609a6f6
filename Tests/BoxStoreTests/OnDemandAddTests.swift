import BoxArchive
import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Testing

/// What `up` needs from the store: a `box_url` list tried in turn, the box server from the
/// Vagrantfile, `box update` through the recorded catalog, and the TLS/curl settings.
@Suite struct OnDemandAddTests {
    static func catalog(_ name: String, versions: [String], url: String, checksum: String) -> BoxCatalog {
        BoxCatalog(
            name: name,
            versions: versions.map { version in
                .init(
                    version: version,
                    providers: [
                        .init(
                            name: "libvirt", url: url, checksumType: "sha256", checksum: checksum, architecture: "amd64",
                            defaultArchitecture: true)
                    ])
            })
    }

    @Test func aBoxURLListIsTriedInTurnAndARefusedURLLeavesNoPartialFile() async throws {
        let fixture = try StoreFixture()
        let server = try LoopbackHTTPServer()
        let box = try HTTPAddTests.randomBox(fixture, bytes: 5000)
        server.serve("/mirror2/tiny.box", .init(body: box))
        var request = BoxAddRequest(source: server.url("/mirror1/tiny.box").absoluteString)
        request.alternatives = [server.url("/mirror2/tiny.box").absoluteString]
        request.name = "test/mirrors"
        request.checksum = ExpectedChecksum(type: .sha256, value: HTTPAddTests.sha256(box))
        let installed = try await fixture.adder.add(request)
        #expect(installed.name == "test/mirrors" && installed.version == "0")
        #expect(server.requests.filter { $0.method == "GET" }.map(\.path) == ["/mirror1/tiny.box", "/mirror2/tiny.box"])
        // Nothing is kept of the 404: a later add does not "resume" it.
        #expect(TemporaryFolder.tree(fixture.home.temporary).filter { !$0.hasSuffix(".lock") } == [])
    }

    @Test func aCatalogAmongSeveralURLsIsRefused() async throws {
        let fixture = try StoreFixture()
        let server = try LoopbackHTTPServer()
        server.serve(
            "/org/name",
            .init(
                body: try JSONEncoder().encode(Self.catalog("org/name", versions: ["1.0"], url: "/x.box", checksum: "")),
                contentType: "application/json"))
        var request = BoxAddRequest(source: server.url("/org/name").absoluteString)
        request.alternatives = [server.url("/other.box").absoluteString]
        request.name = "org/name"
        let urls = [server.url("/org/name").absoluteString, server.url("/other.box").absoluteString]
        await #expect(throws: BoxStoreError.catalogAmongSeveralURLs(urls)) { try await fixture.adder.add(request) }
        #expect(fixture.store.list().isEmpty)
    }

    @Test func theVagrantfilesServerURLWinsOverTheEnvironments() async throws {
        var fixture = try StoreFixture()
        let server = try LoopbackHTTPServer()
        let box = try HTTPAddTests.randomBox(fixture, bytes: 1000)
        server.serve("/own/org/name.box", .init(body: box))
        let catalog = Self.catalog("org/name", versions: ["2.0"], url: "/own/org/name.box", checksum: HTTPAddTests.sha256(box))
        server.serve("/own/org/name", .init(body: try JSONEncoder().encode(catalog), contentType: "application/json"))
        fixture.environment["BOXER_SERVER_URL"] = server.url("/elsewhere").absoluteString
        var request = BoxAddRequest(source: "org/name")
        request.serverURL = server.url("/own").absoluteString
        let installed = try await fixture.adder.add(request)
        #expect(installed.version == "2.0")
        #expect(!server.requests.contains { $0.path.hasPrefix("/elsewhere") })
    }

    @Test func updateAddsTheNewestVersionWithinTheRequirementBesideTheOld() async throws {
        let fixture = try StoreFixture()
        let server = try LoopbackHTTPServer()
        let box = try HTTPAddTests.randomBox(fixture, bytes: 2000)
        let sum = HTTPAddTests.sha256(box)
        server.serve("/b.box", .init(body: box))
        // Served without a JSON content type: a recorded metadata_url is a catalog regardless.
        let publish = { (versions: [String]) throws in
            server.serve(
                "/org/upd", .init(body: try JSONEncoder().encode(Self.catalog("org/upd", versions: versions, url: "/b.box", checksum: sum)))
            )
        }
        try publish(["1.0"])
        var first = BoxAddRequest(source: server.url("/org/upd").absoluteString)
        first.isCatalog = true
        _ = try await fixture.adder.add(first)
        let adder = fixture.adder
        #expect(
            try await adder.update(name: "org/upd", version: "1.0", provider: "libvirt", architecture: "amd64", requirement: nil) == nil)
        try publish(["1.0", "1.1", "2.0"])
        #expect(
            try await fixture.store.update(
                name: "org/upd", current: "1.0", provider: "libvirt", architecture: "amd64", requirement: "< 2.0",
                downloader: adder.downloader,
                hostArchitecture: "amd64") == .newer(version: "1.1", catalogURL: server.url("/org/upd").absoluteString))
        let added = try await adder.update(
            name: "org/upd", version: "1.0", provider: "libvirt", architecture: "amd64", requirement: "~> 1.0")
        #expect(added?.version == "1.1")
        #expect(fixture.store.list().map(\.version).sorted() == ["1.0", "1.1"])
    }

    @Test func aBoxAddedFromAFileHasNoUpdates() async throws {
        let fixture = try StoreFixture()
        let file = try fixture.makeBox("plain.box")
        _ = try await fixture.add(file.path, name: "test/plain")
        await #expect(throws: BoxStoreError.notVersioned(name: "test/plain")) {
            try await fixture.adder.update(name: "test/plain", version: "0", provider: "libvirt", architecture: nil, requirement: nil)
        }
    }

    @Test func downloadSettingsBecomeCurlFlagsAsVagrantPassesThem() async throws {
        var options = DownloadOptions()
        options.caCertificate = "/ca.pem"
        options.caPath = "/certs"
        options.clientCertificate = "/client.pem"
        options.insecure = true
        options.locationTrusted = true
        options.extraArguments = ["--header", "X-Token: 1"]
        // A stand-in curl records its arguments: the flags reach every request.
        let fixture = try StoreFixture()
        let log = fixture.temp.path("curl-args")
        let curl = fixture.temp.path("curl")
        try Data("#!/bin/sh\nprintf '%s\\n' \"$@\" > \(log.path)\nexit 7\n".utf8).write(to: curl)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: curl.path)
        var downloader = Downloader(environment: ["BOXER_CURL": curl.path])
        downloader.options = options
        _ = try? await downloader.fetch(try #require(URL(string: "http://127.0.0.1:9/catalog")))
        let arguments = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
        let expected = [
            "--cacert", "/ca.pem", "--capath", "/certs", "--insecure", "--cert", "/client.pem", "--location-trusted", "--header",
            "X-Token: 1",
        ]
        let start = try #require(arguments.firstIndex(of: "--cacert"))
        #expect(Array(arguments[start..<(start + expected.count)]) == expected)
    }
}
