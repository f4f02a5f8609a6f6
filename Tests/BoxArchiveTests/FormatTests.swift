import BoxArchive
import BoxerTestSupport
import Foundation
import Testing

/// Every container and compression Vagrant's bsdtar accepts must unpack the same way.
@Suite struct FormatTests {
    static let combinations: [(TestArchive.Format, TestArchive.Filter)] =
        TestArchive.Filter.allCases.map { (.pax, $0) }
        + [(.gnutar, .gzip), (.ustar, .none), (.zip, .none)]

    @Test(arguments: combinations)
    func readsEveryFormat(format: TestArchive.Format, filter: TestArchive.Filter) throws {
        let temp = try TemporaryFolder()
        let box = temp.path("box.\(format.rawValue).\(filter.rawValue)")
        try TestArchive(
            format: format, filter: filter,
            entries: TestArchive.minimalBox(extra: [
                .directory("sub"),
                .file("./sub/nested.txt", Data("nested".utf8)),
                .file("run.sh", Data("#!/bin/sh\n".utf8), mode: 0o700),
            ])
        ).write(to: box)
        let target = try temp.folder("out")
        let result = try BoxExtractor(boxName: "formats", checksum: .sha1).extract(archive: box, into: target)
        #expect(TemporaryFolder.tree(target) == ["Vagrantfile", "box.img", "metadata.json", "run.sh", "sub", "sub/nested.txt"])
        #expect(try String(contentsOf: target.appendingPathComponent("sub/nested.txt"), encoding: .utf8) == "nested")
        #expect(try BoxMetadata(contentsOf: target, source: "formats").provider == "libvirt")
        // Permissions are normalised as with a 022 umask; execute bits are kept.
        let mode = try FileManager.default.attributesOfItem(atPath: target.appendingPathComponent("run.sh").path)[.posixPermissions] as? Int
        #expect(mode == 0o755)
        if filter != .none { #expect(result.filters == [filter == .lzma ? "lzma" : filter.rawValue]) }
        #expect(result.checksum == String(try ProgramRun.run("sha1sum", [box.path]).output.prefix(40)))
    }

    @Test func backslashesBecomeFolders() throws {
        let temp = try TemporaryFolder()
        let box = temp.path("backslash.box")
        try TestArchive(entries: TestArchive.minimalBox(extra: [.file("a\\b.txt", Data("x".utf8))])).write(to: box)
        let target = try temp.folder("out")
        _ = try BoxExtractor(boxName: "backslash").extract(archive: box, into: target)
        #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent("a/b.txt").path))
    }

    @Test func linksInsideTheBoxAreKept() throws {
        let temp = try TemporaryFolder()
        let box = temp.path("links.box")
        try TestArchive(
            entries: TestArchive.minimalBox(extra: [
                .directory("disks"),
                .symlink("disks/current.img", target: "../box.img"),
                .hardlink("copy.img", target: "box.img"),
            ])
        ).write(to: box)
        let target = try temp.folder("out")
        _ = try BoxExtractor(boxName: "links").extract(archive: box, into: target)
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: target.appendingPathComponent("disks/current.img").path)
                == "../box.img")
        #expect(
            FileManager.default.contentsEqual(
                atPath: target.appendingPathComponent("copy.img").path, andPath: target.appendingPathComponent("box.img").path))
    }
}
