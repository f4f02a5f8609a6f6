import BoxArchive
import BoxerTestSupport
import Foundation
import Testing

@Suite struct RoundTripTests {
    /// A box folder with metadata, a Vagrantfile, a data file, a sparse disk image and a subfolder.
    static func makeBoxFolder(in folder: TemporaryFolder, sparseSize: Int64 = 64 << 20) throws -> URL {
        let box = try folder.folder("source")
        try Data("{\"provider\":\"libvirt\",\"format\":\"qcow2\",\"virtual_size\":1}".utf8).write(
            to: box.appendingPathComponent("metadata.json"))
        try Data("Vagrant.configure(\"2\") do |c| end\n".utf8).write(to: box.appendingPathComponent("Vagrantfile"))
        var random = SystemRandomNumberGenerator()
        let payload = Data((0..<300_000).map { _ in UInt8.random(in: 0...255, using: &random) })
        try payload.write(to: box.appendingPathComponent("box.img"))
        try FileManager.default.createDirectory(at: box.appendingPathComponent("include"), withIntermediateDirectories: true)
        try Data("extra\n".utf8).write(to: box.appendingPathComponent("include/_Vagrantfile"))
        // Sparse: 1 MiB of data in the middle of a large hole.
        let sparse = box.appendingPathComponent("sparse.raw")
        _ = FileManager.default.createFile(atPath: sparse.path, contents: nil)
        let handle = try FileHandle(forWritingTo: sparse)
        try handle.seek(toOffset: UInt64(sparseSize / 2))
        try handle.write(contentsOf: Data(repeating: 0xAB, count: 1 << 20))
        try handle.truncate(atOffset: UInt64(sparseSize))
        try handle.close()
        return box
    }

    static func allocatedBytes(_ url: URL) -> Int64 {
        var info = stat()
        stat(url.path, &info)
        return Int64(info.st_blocks) * 512
    }

    @Test(arguments: [BoxCompression.gzip(level: 6), .gzip(level: 1), .zstd(level: 3), .none])
    func writesAndReadsBack(compression: BoxCompression) throws {
        let temp = try TemporaryFolder()
        let source = try Self.makeBoxFolder(in: temp)
        let box = temp.path("test.box")
        let written = try BoxWriter(compression: compression, checksums: [.sha256, .md5]).write(folder: source, to: box)
        #expect(written.bytes == (try FileManager.default.attributesOfItem(atPath: box.path)[.size] as? NSNumber)?.int64Value)

        let target = try temp.folder("target")
        let result = try BoxExtractor(boxName: box.path, checksum: .sha256).extract(archive: box, into: target)
        #expect(result.checksum == written.checksums[.sha256])
        #expect(result.archiveBytes == written.bytes)
        #expect(TemporaryFolder.tree(target) == TemporaryFolder.tree(source))
        for file in ["metadata.json", "Vagrantfile", "box.img", "include/_Vagrantfile", "sparse.raw"] {
            #expect(
                FileManager.default.contentsEqual(
                    atPath: source.appendingPathComponent(file).path, andPath: target.appendingPathComponent(file).path), "\(file) differs")
        }
        // The 64 MiB image holds 1 MiB of data: it must come back as a hole, not 64 MiB of zeros.
        #expect(Self.allocatedBytes(target.appendingPathComponent("sparse.raw")) < 4 << 20)
        let metadata = try BoxMetadata(contentsOf: target, source: box.path)
        #expect(metadata.provider == "libvirt")
        #expect(metadata.virtualSize == 1)
    }

    @Test func metadataComesFirstAndPeersReadTheBox() throws {
        let temp = try TemporaryFolder()
        let source = try Self.makeBoxFolder(in: temp)
        let box = temp.path("peer.box")
        try BoxWriter(compression: .gzip()).write(folder: source, to: box)
        let listing = try ProgramRun.run("bsdtar", ["-tf", box.path])
        #expect(listing.status == 0, "\(listing.error)")
        #expect(listing.output.split(separator: "\n").first == "metadata.json")
        #expect(try ProgramRun.run("gzip", ["-t", box.path]).status == 0)
        // bsdtar also honours the sparse entry.
        let peerTarget = try temp.folder("bsdtar")
        #expect(try ProgramRun.run("bsdtar", ["-xf", box.path, "-C", peerTarget.path]).status == 0)
        #expect(
            FileManager.default.contentsEqual(
                atPath: source.appendingPathComponent("sparse.raw").path, andPath: peerTarget.appendingPathComponent("sparse.raw").path))
        #expect(Self.allocatedBytes(peerTarget.appendingPathComponent("sparse.raw")) < 4 << 20)
    }

    @Test func checksumsMatchCoreutils() throws {
        let temp = try TemporaryFolder()
        let source = try Self.makeBoxFolder(in: temp, sparseSize: 4 << 20)
        let box = temp.path("sums.box")
        let written = try BoxWriter(checksums: ChecksumType.allCases).write(folder: source, to: box)
        for type in ChecksumType.allCases {
            let run = try ProgramRun.run("\(type.rawValue)sum", [box.path])
            let expected = String(run.output.prefix(while: { $0 != " " }))
            #expect(written.checksums[type] == expected, "\(type)")
            let extracted = try BoxExtractor(boxName: "sums", checksum: type).extract(
                archive: box, into: try temp.folder("x-\(type.rawValue)"))
            #expect(extracted.checksum == expected, "\(type) while extracting")
        }
    }

    @Test func refusesToPackAFolderWithoutMetadata() throws {
        let temp = try TemporaryFolder()
        let source = try temp.folder("nometa")
        try Data("x".utf8).write(to: source.appendingPathComponent("box.img"))
        #expect(throws: BoxArchiveError.missingMetadata(box: source.standardizedFileURL.path)) {
            try BoxWriter().write(folder: source, to: temp.path("x.box"))
        }
        #expect(!FileManager.default.fileExists(atPath: temp.path("x.box").path))
    }
}

@Suite struct HoleTests {
    /// GNU tar without -S and Packer store a disk image's zeros as data; they must come back as holes.
    @Test func zerosStoredAsDataBecomeHoles() throws {
        let temp = try TemporaryFolder()
        var image = Data(count: 8 << 20)
        image.replaceSubrange(3_000_000..<3_000_010, with: Data(repeating: 9, count: 10))
        let box = temp.path("zeros.box")
        try TestArchive(format: .ustar, filter: .gzip, entries: TestArchive.minimalBox(extra: [.file("disk.raw", image)])).write(to: box)
        let target = try temp.folder("out")
        _ = try BoxExtractor(boxName: "zeros").extract(archive: box, into: target)
        let disk = target.appendingPathComponent("disk.raw")
        #expect(try Data(contentsOf: disk) == image)
        #expect(RoundTripTests.allocatedBytes(disk) <= 256 << 10)
    }

    @Test func trailingHoleKeepsTheFileSize() throws {
        let temp = try TemporaryFolder()
        var image = Data(repeating: 1, count: 4096)
        image.append(Data(count: 4 << 20))
        let box = temp.path("tail.box")
        try TestArchive(format: .pax, filter: .zstd, entries: TestArchive.minimalBox(extra: [.file("disk.raw", image)])).write(to: box)
        let target = try temp.folder("out")
        _ = try BoxExtractor(boxName: "tail").extract(archive: box, into: target)
        let attributes = try FileManager.default.attributesOfItem(atPath: target.appendingPathComponent("disk.raw").path)
        #expect((attributes[.size] as? NSNumber)?.intValue == image.count)
        #expect(try Data(contentsOf: target.appendingPathComponent("disk.raw")) == image)
    }
}
