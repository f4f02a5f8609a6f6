import BoxArchive
import BoxerTestSupport
import Foundation
import Testing

/// Boxes that try to write outside their folder, or are not boxes at all. Each must be refused with a
/// message naming the entry, and nothing may appear outside the extraction folder.
@Suite struct HostileBoxTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let entries: @Sendable () -> [TestArchive.Entry]
        let entry: String
        let reason: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "dot-dot after good files", entries: { TestArchive.minimalBox(extra: [.file("../evil-dotdot.txt", Data("x".utf8))]) }, entry: "../evil-dotdot.txt", reason: "has '..' in its path"),
        Case(name: "dot-dot before good files", entries: { [.file("../evil-dotdot.txt", Data("x".utf8))] + TestArchive.minimalBox() }, entry: "../evil-dotdot.txt", reason: "has '..' in its path"),
        Case(name: "deep dot-dot", entries: { TestArchive.minimalBox(extra: [.file("sub/../../evil-deep.txt", Data("x".utf8))]) }, entry: "sub/../../evil-deep.txt", reason: "has '..' in its path"),
        Case(name: "absolute path", entries: { TestArchive.minimalBox(extra: [.file("/tmp/evil-abs.txt", Data("x".utf8))]) }, entry: "/tmp/evil-abs.txt", reason: "has an absolute path"),
        Case(name: "symlink to /etc/passwd", entries: { TestArchive.minimalBox(extra: [.symlink("evil-link", target: "/etc/passwd")]) }, entry: "evil-link", reason: "is a link to the absolute path /etc/passwd"),
        Case(name: "relative symlink leaving the box", entries: { TestArchive.minimalBox(extra: [.symlink("sub/evil", target: "../../outside")]) }, entry: "sub/evil", reason: "is a link to ../../outside, outside the box"),
        Case(name: "write through a symlink", entries: { TestArchive.minimalBox(extra: [.symlink("link", target: "."), .file("link/evil-sym.txt", Data("x".utf8))]) }, entry: "link/evil-sym.txt", reason: "would be written through the link link"),
        Case(name: "symlink through another symlink", entries: { TestArchive.minimalBox(extra: [.symlink("here", target: "."), .symlink("escape", target: "here/../secret")]) }, entry: "escape", reason: "is a link to here/../secret, which passes through the link here"),
        Case(name: "hard link to an absolute path", entries: { TestArchive.minimalBox(extra: [.hardlink("evil-hard", target: "/etc/passwd")]) }, entry: "evil-hard", reason: "is a hard link to /etc/passwd, outside the box"),
        Case(name: "hard link with dot-dot", entries: { TestArchive.minimalBox(extra: [.hardlink("evil-hard", target: "../target.txt")]) }, entry: "evil-hard", reason: "is a hard link to ../target.txt, outside the box"),
        Case(name: "hard link to a file not in the box", entries: { TestArchive.minimalBox(extra: [.hardlink("evil-hard", target: "etc/passwd")]) }, entry: "evil-hard", reason: "is a hard link to etc/passwd, which is not a file earlier in the box"),
        Case(name: "character device", entries: { TestArchive.minimalBox(extra: [.characterDevice("null")]) }, entry: "null", reason: "is a device node"),
        Case(name: "block device", entries: { TestArchive.minimalBox(extra: [.blockDevice("sda")]) }, entry: "sda", reason: "is a device node"),
        Case(name: "fifo", entries: { TestArchive.minimalBox(extra: [.fifo("pipe")]) }, entry: "pipe", reason: "is a FIFO"),
    ]

    @Test(arguments: cases)
    func refusesHostileEntry(_ hostile: Case) throws {
        let temp = try TemporaryFolder()
        let box = temp.path("hostile.box")
        try TestArchive(format: .pax, filter: .gzip, entries: hostile.entries()).write(to: box)
        let target = try temp.folder("inside/target")
        let before = TemporaryFolder.tree(temp.url)
        #expect(throws: BoxArchiveError.unsafeEntry(box: "hostile", entry: hostile.entry, reason: hostile.reason)) {
            try BoxExtractor(boxName: "hostile").extract(archive: box, into: target)
        }
        // Whatever was unpacked stays inside the target; nothing new appears beside it.
        let after = TemporaryFolder.tree(temp.url).filter { !$0.hasPrefix("inside/target/") }
        #expect(after == before)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/evil-abs.txt"))
    }

    @Test func refusesRandomBytes() throws {
        let temp = try TemporaryFolder()
        let box = temp.path("random.box")
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255) }).write(to: box)
        do {
            _ = try BoxExtractor(boxName: "random").extract(archive: box, into: try temp.folder("out"))
            Issue.record("random bytes were accepted")
        } catch let error as BoxArchiveError {
            guard case .notAnArchive(let name, _) = error else { Issue.record("unexpected \(error)"); return }
            #expect(name == "random")
        }
    }

    @Test func refusesEmptyFile() throws {
        let temp = try TemporaryFolder()
        let box = temp.path("empty.box")
        try Data().write(to: box)
        #expect(throws: BoxArchiveError.notAnArchive(box: "empty", reason: "the file is empty")) {
            try BoxExtractor(boxName: "empty").extract(archive: box, into: try temp.folder("out"))
        }
    }

    @Test(arguments: [TestArchive.Filter.gzip, .none, .zstd, .xz])
    func refusesTruncatedArchive(filter: TestArchive.Filter) throws {
        let temp = try TemporaryFolder()
        let box = temp.path("whole.box")
        var random = SystemRandomNumberGenerator()
        let big = Data((0..<200_000).map { _ in UInt8.random(in: 0...255, using: &random) })
        try TestArchive(filter: filter, entries: TestArchive.minimalBox(extra: [.file("big.img", big)])).write(to: box)
        let whole = try Data(contentsOf: box)
        let truncated = temp.path("truncated.box")
        try whole.prefix(whole.count * 2 / 3).write(to: truncated)
        do {
            _ = try BoxExtractor(boxName: "truncated").extract(archive: truncated, into: try temp.folder("out"))
            Issue.record("a truncated \(filter) box was accepted")
        } catch let error as BoxArchiveError {
            guard case .corruptArchive(let name, _, let reason) = error else { Issue.record("unexpected \(error)"); return }
            #expect(name == "truncated")
            #expect(!reason.isEmpty)
            #expect(error.description.contains("truncated or corrupt"))
        }
    }

    @Test func refusesFlippedBytes() throws {
        let temp = try TemporaryFolder()
        let box = temp.path("flipped.box")
        let big = Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        try TestArchive(filter: .gzip, entries: TestArchive.minimalBox(extra: [.file("big.img", big)])).write(to: box)
        var bytes = try Data(contentsOf: box)
        for index in stride(from: bytes.count / 3, to: bytes.count / 3 + 64, by: 1) { bytes[index] ^= 0xFF }
        try bytes.write(to: box)
        #expect(throws: BoxArchiveError.self) {
            try BoxExtractor(boxName: "flipped").extract(archive: box, into: try temp.folder("out"))
        }
    }

    @Test func refusesNonObjectMetadata() throws {
        for (text, kind) in [("[1,2]", "an array"), ("\"libvirt\"", "a string"), ("42", "a number")] {
            #expect(throws: BoxArchiveError.corruptMetadata(box: "m", reason: "it must be a JSON object such as {\"provider\": \"libvirt\"}, not \(kind)")) {
                try BoxMetadata(data: Data(text.utf8), source: "m")
            }
        }
        #expect(throws: BoxArchiveError.missingMetadataField(box: "m", field: "provider")) {
            try BoxMetadata(data: Data("{\"format\":\"qcow2\"}".utf8), source: "m")
        }
        #expect(throws: BoxArchiveError.self) { try BoxMetadata(data: Data("{\"provider\":".utf8), source: "m") }
        #expect(throws: BoxArchiveError.self) { try BoxMetadata(data: Data(), source: "m") }
        #expect(throws: BoxArchiveError.self) { try BoxMetadata(data: Data("{\"provider\":\"../x\"}".utf8), source: "m") }
    }
}
