import BoxArchive
import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Testing

/// Adds over HTTP from a loopback server: catalog detection, resume, checksums, errors.
@Suite struct HTTPAddTests {
    static func randomBox(_ fixture: StoreFixture, bytes: Int) throws -> Data {
        var generator = SystemRandomNumberGenerator()
        let payload = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let url = try fixture.makeBox("remote.box", extra: [.file("payload.bin", payload)])
        return try Data(contentsOf: url)
    }

    static func sha256(_ data: Data) -> String {
        var digest = ChecksumType.sha256.makeDigest()
        digest.update(data)
        return digest.finalizeHex()
    }

    @Test func catalogOverHTTPIsDetectedByContentType() async throws {
        let fixture = try StoreFixture()
        let server = try LoopbackHTTPServer()
        let box = try Self.randomBox(fixture, bytes: 10_000)
        server.serve("/boxes/tiny.box", .init(body: box))
        let catalog = BoxCatalog(
            name: "test/http",
            versions: [
                .init(
                    version: "0.1",
                    providers: [
                        .init(
                            name: "libvirt", url: "/boxes/tiny.box", checksumType: "sha256", checksum: Self.sha256(box),
                            architecture: "amd64", defaultArchitecture: true)
                    ])
            ])
        server.serve("/test/http", .init(body: try JSONEncoder().encode(catalog), contentType: "application/json"))
        let installed = try await fixture.add(server.url("/test/http").absoluteString)
        #expect(installed.version == "0.1")
        #expect(installed.architecture == "amd64")
        #expect(server.requests.first == .init(method: "HEAD", path: "/test/http", range: nil, accept: "application/json"))
        #expect(fixture.store.metadataURL(for: "test/http") == server.url("/test/http").absoluteString)
        // The finished download is removed once installed.
        #expect(TemporaryFolder.tree(fixture.home.temporary).filter { !$0.hasSuffix(".lock") } == [])
    }

    @Test func shorthandResolvesAgainstTheServerURL() async throws {
        var fixture = try StoreFixture()
        let server = try LoopbackHTTPServer()
        let box = try Self.randomBox(fixture, bytes: 1000)
        server.serve("/org/name.box", .init(body: box))
        let catalog = BoxCatalog(
            name: "org/name",
            versions: [.init(version: "3.0", providers: [.init(name: "libvirt", url: server.url("/org/name.box").absoluteString)])])
        server.serve("/org/name", .init(body: try JSONEncoder().encode(catalog), contentType: "application/json"))
        fixture.environment["VAGRANT_SERVER_URL"] = server.url("").absoluteString
        let installed = try await fixture.add("org/name")
        #expect(installed.name == "org/name")
        #expect(installed.version == "3.0")
        fixture.environment["BOXER_SERVER_URL"] = server.url("/missing").absoluteString
        await #expect(
            throws: BoxStoreError.notOnServer(
                name: "org/name", url: server.url("/missing/org/name").absoluteString, reason: "the server answered HTTP 404")
        ) {
            try await fixture.add("org/name", force: true)
        }
    }

    @Test func droppedDownloadResumesWithARangeRequest() async throws {
        let fixture = try StoreFixture()
        let server = try LoopbackHTTPServer()
        let box = try Self.randomBox(fixture, bytes: 3 << 20)
        // The first GET is cut off after 1 MiB; the next one must ask for the rest only.
        server.serve("/big.box", .init(body: box, dropAfter: 1 << 20))
        let installed = try await fixture.add(
            server.url("/big.box").absoluteString, name: "test/resume", checksum: ExpectedChecksum(type: .sha256, value: Self.sha256(box)))
        #expect(installed.name == "test/resume")
        let gets = server.requests.filter { $0.method == "GET" }
        #expect(gets.count == 2)
        #expect(gets.first?.range == nil)
        #expect(gets.last?.range == "bytes=\(1 << 20)-")
        let payload = try FileManager.default.attributesOfItem(atPath: installed.directory.appendingPathComponent("payload.bin").path)
        #expect((payload[.size] as? NSNumber)?.intValue == 3 << 20)
    }

    @Test func interruptedRunResumesInTheNextRun() async throws {
        let fixture = try StoreFixture()
        let server = try LoopbackHTTPServer()
        let box = try Self.randomBox(fixture, bytes: 2 << 20)
        // Every attempt of the first run is cut: it fails and keeps the partial file.
        server.serve("/flaky.box", .init(body: box, dropAfter: 512 << 10, dropCount: 1))
        var downloader = Downloader()
        downloader.attempts = 1
        var adder = fixture.adder
        adder.downloader = downloader
        var request = BoxAddRequest(source: server.url("/flaky.box").absoluteString)
        request.name = "test/flaky"
        await #expect(throws: BoxStoreError.self) { try await adder.add(request) }
        #expect(fixture.boxesTree == [])
        let partial = TemporaryFolder.tree(fixture.home.temporary).filter { $0.hasPrefix("boxer-download-") && !$0.hasSuffix(".lock") }
        #expect(partial.count == 1)
        // A new store (a new boxer command) keeps the fresh partial download and resumes it.
        let again = try BoxStore(home: fixture.home)
        var next = BoxAdder(
            store: again, environment: fixture.environment, workingDirectory: fixture.temp.url, output: fixture.events.output)
        next.downloader = downloader
        _ = try await next.add(request)
        #expect(server.requests.filter { $0.method == "GET" }.last?.range == "bytes=\(512 << 10)-")
        #expect(fixture.events.lines.contains("==> box: Box download is resuming from prior download progress"))
    }

    @Test func checksumMismatchRemovesTheDownload() async throws {
        let fixture = try StoreFixture()
        let server = try LoopbackHTTPServer()
        let box = try Self.randomBox(fixture, bytes: 50_000)
        server.serve("/x.box", .init(body: box))
        let before = StoreSnapshot(fixture.home.boxes)
        do {
            _ = try await fixture.add(
                server.url("/x.box").absoluteString, name: "test/x",
                checksum: ExpectedChecksum(type: .md5, value: "00000000000000000000000000000000"))
            Issue.record("a wrong checksum was accepted")
        } catch let error as BoxStoreError {
            guard case .archive(.checksumMismatch(_, .md5, "00000000000000000000000000000000", let actual)) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(actual.count == 32)
        }
        #expect(StoreSnapshot(fixture.home.boxes) == before)
        #expect(TemporaryFolder.tree(fixture.home.temporary).filter { !$0.hasSuffix(".lock") } == [])
    }

    @Test func missingBoxNamesTheURL() async throws {
        let fixture = try StoreFixture()
        let server = try LoopbackHTTPServer()
        let url = server.url("/nothing.box").absoluteString
        await #expect(throws: BoxStoreError.download(url: url, reason: "the server answered HTTP 404")) {
            try await fixture.add(url, name: "test/none")
        }
    }
}
