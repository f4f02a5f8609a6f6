import BoxArchive
import BoxerTestSupport
import Foundation
import Testing

/// Boxes that try to write outside their folder, or are not boxes at all. Each must be refused with a
/// message naming the entry, and nothing may appear outside the extraction folder.
@Suite struct HostileBoxTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        /// Entries of the box; the argument is an absolute folder outside the target that must stay empty.
        let entries: @Sendable (String) -> [TestArchive.Entry]
        let entry: @Sendable (String) -> String
        let reason: String
        /// Zip can carry these entries too.
        var zip = false
        var testDescription: String { name }

        init(name: String, entries: @escaping @Sendable (String) -> [TestArchive.Entry], entry: String, reason: String, zip: Bool = false) {
            self.init(name: name, entries: entries, entry: { _ in entry }, reason: reason, zip: zip)
        }

        init(
            name: String, entries: @escaping @Sendable (String) -> [TestArchive.Entry], entry: @escaping @Sendable (String) -> String,
            reason: String, zip: Bool = false
        ) {
            self.name = name
            self.entries = entries
            self.entry = entry
            self.reason = reason
            self.zip = zip
        }
    }

    static let x = Data("x".utf8)
    static let cases: [Case] = [
        Case(
            name: "dot-dot after good files", entries: { _ in TestArchive.minimalBox(extra: [.file("../evil-dotdot.txt", x)]) },
            entry: "../evil-dotdot.txt", reason: "has '..' in its path", zip: true),
        Case(
            name: "dot-dot before good files", entries: { _ in [.file("../evil-dotdot.txt", x)] + TestArchive.minimalBox() },
            entry: "../evil-dotdot.txt", reason: "has '..' in its path"),
        Case(
            name: "deep dot-dot", entries: { _ in TestArchive.minimalBox(extra: [.file("sub/../../evil-deep.txt", x)]) },
            entry: "sub/../../evil-deep.txt", reason: "has '..' in its path"),
        Case(
            name: "absolute path", entries: { outside in TestArchive.minimalBox(extra: [.file(outside + "/evil-abs.txt", x)]) },
            entry: { $0 + "/evil-abs.txt" }, reason: "has an absolute path", zip: true),
        Case(
            name: "symlink to /etc/passwd", entries: { _ in TestArchive.minimalBox(extra: [.symlink("evil-link", target: "/etc/passwd")]) },
            entry: "evil-link", reason: "is a link to the absolute path /etc/passwd", zip: true),
        Case(
            name: "relative symlink leaving the box",
            entries: { _ in TestArchive.minimalBox(extra: [.symlink("sub/evil", target: "../../outside")]) }, entry: "sub/evil",
            reason: "is a link to ../../outside, outside the box", zip: true),
        Case(
            name: "write through a symlink",
            entries: { _ in TestArchive.minimalBox(extra: [.symlink("link", target: "."), .file("link/evil-sym.txt", x)]) },
            entry: "link/evil-sym.txt", reason: "would be written through the link link", zip: true),
        Case(
            name: "symlink through another symlink",
            entries: { _ in TestArchive.minimalBox(extra: [.symlink("here", target: "."), .symlink("escape", target: "here/../secret")]) },
            entry: "escape", reason: "is a link to here/../secret, which passes through the link here"),
        Case(
            name: "link chain that differs only in case",
            entries: { _ in
                TestArchive.minimalBox(extra: [.directory("a/b"), .symlink("a/b/L", target: "../.."), .symlink("a/b/M", target: "l/../..")])
            }, entry: "a/b/M", reason: "is a link to l/../.., which passes through the link a/b/L"),
        Case(
            name: "file replaced by a link, then hard-linked",
            entries: { outside in
                TestArchive.minimalBox(extra: [
                    .file("a/b/x", x), .symlink("a/b/x", target: "../../out"), .hardlink("p", target: "a/b/x"), .file("p/evil.txt", x),
                ])
            }, entry: "a/b/x", reason: "appears twice in the box"),
        Case(
            name: "hard link to a symlink",
            entries: { _ in TestArchive.minimalBox(extra: [.symlink("s", target: "box.img"), .hardlink("h", target: "s")]) }, entry: "h",
            reason: "is a hard link to s, which is not a file earlier in the box"),
        Case(
            name: "folder replaced by a file", entries: { _ in TestArchive.minimalBox(extra: [.directory("d"), .file("d", x)]) },
            entry: "d", reason: "appears twice in the box"),
        Case(
            name: "file used as a folder", entries: { _ in TestArchive.minimalBox(extra: [.file("f", x), .file("f/x", x)]) }, entry: "f/x",
            reason: "would be written inside f, which is not a folder"),
        Case(
            name: "duplicate file", entries: { _ in TestArchive.minimalBox(extra: [.file("box.img", x)]) }, entry: "box.img",
            reason: "appears twice in the box", zip: true),
        Case(
            name: "hard link to an absolute path",
            entries: { _ in TestArchive.minimalBox(extra: [.hardlink("evil-hard", target: "/etc/passwd")]) }, entry: "evil-hard",
            reason: "is a hard link to /etc/passwd, outside the box"),
        Case(
            name: "hard link with dot-dot",
            entries: { _ in TestArchive.minimalBox(extra: [.hardlink("evil-hard", target: "../target.txt")]) }, entry: "evil-hard",
            reason: "is a hard link to ../target.txt, outside the box"),
        Case(
            name: "hard link to a file not in the box",
            entries: { _ in TestArchive.minimalBox(extra: [.hardlink("evil-hard", target: "etc/passwd")]) }, entry: "evil-hard",
            reason: "is a hard link to etc/passwd, which is not a file earlier in the box"),
        Case(
            name: "character device", entries: { _ in TestArchive.minimalBox(extra: [.characterDevice("null")]) }, entry: "null",
            reason: "is a device node"),
        Case(
            name: "block device", entries: { _ in TestArchive.minimalBox(extra: [.blockDevice("sda")]) }, entry: "sda",
            reason: "is a device node"),
        Case(name: "fifo", entries: { _ in TestArchive.minimalBox(extra: [.fifo("pipe")]) }, entry: "pipe", reason: "is a FIFO"),
    ]

    static let arguments: [(Case, TestArchive.Format)] = cases.map { ($0, .pax) } + cases.filter(\.zip).map { ($0, .zip) }

    @Test(arguments: arguments)
    func refusesHostileEntry(_ hostile: Case, format: TestArchive.Format) throws {
        let temp = try TemporaryFolder()
        let outside = try temp.folder("outside")
        let box = temp.path("hostile.box")
        try TestArchive(format: format, filter: format == .zip ? .none : .gzip, entries: hostile.entries(outside.path)).write(to: box)
        // Deep enough that "../" entries, if written, would land in `outside`'s parent tree.
        let target = try temp.folder("inside/target")
        let before = TemporaryFolder.tree(temp.url)
        #expect(throws: BoxArchiveError.unsafeEntry(box: "hostile", entry: hostile.entry(outside.path), reason: hostile.reason)) {
            try BoxExtractor(boxName: "hostile").extract(archive: box, into: target)
        }
        // Whatever was unpacked stays inside the target; nothing new appears beside it.
        let after = TemporaryFolder.tree(temp.url).filter { !$0.hasPrefix("inside/target/") }
        #expect(after == before)
        #expect(TemporaryFolder.tree(outside).isEmpty)
    }

    @Test func refusesRandomBytes() throws {
        let temp = try TemporaryFolder()
        let box = temp.path("random.box")
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255) }).write(to: box)
        do {
            _ = try BoxExtractor(boxName: "random").extract(archive: box, into: try temp.folder("out"))
            Issue.record("random bytes were accepted")
        } catch let error as BoxArchiveError {
            guard case .notAnArchive(let name, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
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
            guard case .corruptArchive(let name, _, let reason) = error else {
                Issue.record("unexpected \(error)")
                return
            }
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
        let out = try temp.folder("out")
        do {
            _ = try BoxExtractor(boxName: "flipped").extract(archive: box, into: out)
            Issue.record("a corrupted box was accepted")
        } catch {
            guard case .corruptArchive(let name, _, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(name == "flipped")
        }
    }

    @Test func refusesNonObjectMetadata() throws {
        for (text, kind) in [("[1,2]", "an array"), ("\"libvirt\"", "a string"), ("42", "a number")] {
            #expect(
                throws: BoxArchiveError.corruptMetadata(
                    box: "m", reason: "it must be a JSON object such as {\"provider\": \"libvirt\"}, not \(kind)")
            ) {
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
