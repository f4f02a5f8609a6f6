import BoxerSupport
import BoxerTestSupport
import Foundation
import Testing

@testable import Builder

/// `--upload`: PUTs to a loopback file server that breaks off, refuses, or does not take ranges.
@Suite struct UploadTests {
    /// A file of `size` bytes that are not all the same, and its MD5.
    static func file(in folder: TemporaryFolder, _ name: String, size: Int) throws -> ArtifactUpload.File {
        let data = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) })
        let url = folder.path(name)
        try data.write(to: url)
        return ArtifactUpload.File(path: url.path, md5: try SourceImage.digest(of: url.path, type: .md5))
    }

    static func uploader(_ server: LoopbackHTTPServer, _ renderer: CollectingRenderer) -> ArtifactUpload {
        ArtifactUpload(base: server.url("/cache").absoluteString, log: Output(renderer))
    }

    @Test func aDroppedUploadResumesWhereTheServerStopped() async throws {
        let folder = try TemporaryFolder()
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.acceptUploads(under: "/cache/", .init(dropAfter: 300_000))
        let big = try Self.file(in: folder, "disk.qcow2.gz", size: 1_000_000)
        let small = try Self.file(in: folder, "SHA512SUM.txt", size: 1000)
        let renderer = CollectingRenderer()
        let lines = try await Self.uploader(server, renderer).upload([big, small], output: folder.url.path)
        #expect(server.uploaded("/cache/disk.qcow2.gz") == (try Data(contentsOf: URL(fileURLWithPath: big.path))))
        #expect(server.uploaded("/cache/SHA512SUM.txt") == (try Data(contentsOf: URL(fileURLWithPath: small.path))))
        #expect(
            renderer.messages(.info).contains { $0.hasPrefix("Resuming the upload of disk.qcow2.gz at 0 MiB of 0 MiB") },
            "\(renderer.events)")
        // The resumed PUT carried a Content-Range from what the server held.
        #expect(server.requests.contains { $0.method == "PUT" && $0.range == "bytes 300000-999999/1000000" }, "\(server.requests)")
        let expected = [
            "\(server.url("/cache/disk.qcow2.gz").absoluteString) \(big.md5)",
            "\(server.url("/cache/SHA512SUM.txt").absoluteString) \(small.md5)",
        ]
        #expect(lines == expected)
        #expect(try String(contentsOf: folder.path("URL.txt"), encoding: .utf8) == expected.joined(separator: "\n") + "\n")
    }

    @Test func aServerWithoutRangesGetsTheWholeFileAgain() async throws {
        let folder = try TemporaryFolder()
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.acceptUploads(under: "/cache/", .init(dropAfter: 200_000, resumable: false))
        let file = try Self.file(in: folder, "box.box", size: 600_000)
        try await Self.uploader(server, CollectingRenderer()).upload([file], output: folder.url.path)
        #expect(server.uploaded("/cache/box.box") == (try Data(contentsOf: URL(fileURLWithPath: file.path))))
    }

    @Test func aRefusedUploadWritesNoURLList() async throws {
        let folder = try TemporaryFolder()
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.acceptUploads(under: "/cache/", .init(refuseWith: 403))
        let file = try Self.file(in: folder, "box.box", size: 10_000)
        do {
            try await Self.uploader(server, CollectingRenderer()).upload([file], output: folder.url.path)
            Issue.record("the upload was refused, yet it succeeded")
        } catch {
            #expect(
                error.message.contains(
                    "The server refused the upload of box.box to \(server.url("/cache/box.box").absoluteString): HTTP 403"))
            #expect(error.message.contains("run the same build with --upload again"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path("URL.txt").path))
    }

    @Test func aServerThatAlwaysDropsFailsAfterItsAttempts() async throws {
        let folder = try TemporaryFolder()
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        server.acceptUploads(under: "/cache/", .init(dropAfter: 1000, dropCount: 100))
        let file = try Self.file(in: folder, "box.box", size: 300_000)
        var uploader = Self.uploader(server, CollectingRenderer())
        uploader.attempts = 2
        do {
            try await uploader.upload([file], output: folder.url.path)
            Issue.record("every PUT broke off, yet the upload succeeded")
        } catch {
            #expect(error.message.contains("Uploading box.box to") && error.message.contains("failed 2 times"), "\(error.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path("URL.txt").path))
    }
}
