import BoxArchive
import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Testing

/// Every failed add must leave the store byte-for-byte as it was and no work folder behind.
@Suite struct HostileAddTests {
    enum Bad: String, CaseIterable, Sendable {
        case dotdot, absolute, symlinkOut, hardlinkOut, device, fifo, truncated, corrupt, noMetadata, metadataArray
        case metadataNotJSON, noProvider, wrongProvider, checksumMismatch, empty, nestedMetadata
    }

    @Test(arguments: Bad.allCases)
    func failedAddLeavesStoreUntouched(_ bad: Bad) async throws {
        let fixture = try StoreFixture()
        // A box already installed must survive every failure untouched.
        _ = try await fixture.add(try fixture.makeBox("good.box").path, name: "test/good")
        let before = StoreSnapshot(fixture.home.boxes)
        // Everything around the store except its tmp folder, where an escape would land.
        let surroundings = { TemporaryFolder.tree(fixture.temp.url).filter { !$0.hasPrefix("home/tmp") && !$0.hasPrefix("home/boxes") } }

        let url = fixture.temp.path("bad.box")
        var providers: [String] = []
        var checksum: ExpectedChecksum?
        let meta = { (text: String) in TestArchive.Entry.file("metadata.json", Data(text.utf8)) }
        switch bad {
        // Work folders sit at home/tmp/<work>/box: four levels up is the fixture's own folder.
        case .dotdot:
            try TestArchive(entries: TestArchive.minimalBox(extra: [.file("../../../../evil.txt", Data("x".utf8))])).write(to: url)
        case .absolute:
            try TestArchive(entries: TestArchive.minimalBox(extra: [.file(fixture.temp.path("evil-abs.txt").path, Data("x".utf8))])).write(
                to: url)
        case .symlinkOut:
            try TestArchive(entries: TestArchive.minimalBox(extra: [.symlink("evil-link", target: "/etc/passwd")])).write(to: url)
        case .hardlinkOut:
            try TestArchive(entries: TestArchive.minimalBox(extra: [.hardlink("evil-hard", target: "/etc/passwd")])).write(to: url)
        case .device: try TestArchive(entries: TestArchive.minimalBox(extra: [.characterDevice("null")])).write(to: url)
        case .fifo: try TestArchive(entries: TestArchive.minimalBox(extra: [.fifo("pipe")])).write(to: url)
        case .truncated:
            try TestArchive(
                entries: TestArchive.minimalBox(extra: [.file("big", Data((0..<100_000).map { _ in UInt8.random(in: 0...255) }))])
            ).write(to: url)
            let data = try Data(contentsOf: url)
            try data.prefix(data.count / 2).write(to: url)
        case .corrupt: try Data("this is not a box at all\n".utf8).write(to: url)
        case .noMetadata: try TestArchive(entries: [.file("box.img", Data(count: 10))]).write(to: url)
        case .nestedMetadata:
            try TestArchive(entries: [.directory("tiny"), .file("tiny/metadata.json", Data(#"{"provider":"libvirt"}"#.utf8))]).write(
                to: url)
        case .metadataArray: try TestArchive(entries: [meta("[1,2]")]).write(to: url)
        case .metadataNotJSON: try TestArchive(entries: [meta("{provider: libvirt")]).write(to: url)
        case .noProvider: try TestArchive(entries: [meta(#"{"format":"qcow2"}"#)]).write(to: url)
        case .wrongProvider:
            try TestArchive(entries: TestArchive.minimalBox(provider: "virtualbox")).write(to: url)
            providers = ["libvirt"]
        case .checksumMismatch:
            try TestArchive(entries: TestArchive.minimalBox()).write(to: url)
            checksum = ExpectedChecksum(type: .sha256, value: String(repeating: "0", count: 64))
        case .empty: try Data().write(to: url)
        }

        let surroundingsBefore = surroundings()
        do {
            _ = try await fixture.add(url.path, name: "test/bad", providers: providers, checksum: checksum)
            Issue.record("\(bad) was accepted")
        } catch let error as BoxStoreError {
            // The message names the box file.
            #expect(error.description.contains(url.path), "\(error)")
            #expect(Self.matches(error, bad), "\(bad): \(error)")
        }
        #expect(StoreSnapshot(fixture.home.boxes) == before)
        #expect(TemporaryFolder.tree(fixture.home.temporary) == [], "work folders left behind")
        #expect(surroundings() == surroundingsBefore, "something was written outside the work folder")
    }

    static func matches(_ error: BoxStoreError, _ bad: Bad) -> Bool {
        switch (bad, error) {
        case (.dotdot, .archive(.unsafeEntry)), (.absolute, .archive(.unsafeEntry)), (.symlinkOut, .archive(.unsafeEntry)),
            (.hardlinkOut, .archive(.unsafeEntry)), (.device, .archive(.unsafeEntry)), (.fifo, .archive(.unsafeEntry)),
            (.truncated, .archive(.corruptArchive)), (.corrupt, .archive(.notAnArchive)), (.empty, .archive(.notAnArchive)),
            (.noMetadata, .archive(.missingMetadata)), (.nestedMetadata, .archive(.missingMetadata)),
            (.metadataArray, .archive(.corruptMetadata)), (.metadataNotJSON, .archive(.corruptMetadata)),
            (.noProvider, .archive(.missingMetadataField)), (.wrongProvider, .providerMismatch),
            (.checksumMismatch, .archive(.checksumMismatch)):
            return true
        default:
            return false
        }
    }

    @Test func badRequestsAreRefusedBeforeAnythingHappens() async throws {
        let fixture = try StoreFixture()
        let box = try fixture.makeBox("tiny.box")
        await #expect(throws: BoxStoreError.nameRequired(source: box.path)) { try await fixture.add(box.path) }
        await #expect(throws: BoxStoreError.versionWithDirectBox(source: box.path)) {
            try await fixture.add(box.path, name: "a/b", version: "1.0")
        }
        await #expect(throws: BoxStoreError.invalidName("../etc")) { try await fixture.add(box.path, name: "../etc") }
        await #expect(throws: BoxStoreError.invalidVersionRequirement(">= x")) {
            try await fixture.add(box.path, name: "a/b", version: ">= x")
        }
        await #expect(throws: BoxStoreError.sourceNotFound("no/such/file.box")) { try await fixture.add("no/such/file.box", name: "a/b") }
        #expect(fixture.boxesTree == [])
    }

    @Test func catalogNameCannotBeOverridden() async throws {
        let fixture = try StoreFixture()
        _ = try fixture.makeBox("x.box")
        let catalog = try fixture.writeCatalog(
            BoxCatalog(name: "real/name", versions: [.init(version: "1", providers: [.init(name: "libvirt", url: "x.box")])]), to: "c.json")
        await #expect(throws: BoxStoreError.nameMismatch(requested: "other/name", catalog: "real/name")) {
            try await fixture.add(catalog.path, name: "other/name")
        }
        do {
            _ = try await fixture.add(catalog.path, version: "> 5")
            Issue.record("a version the catalog does not have was added")
        } catch let error as BoxStoreError {
            guard case .noMatchingVersion(let box, let requirement, _, _, let available) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(box == "real/name")
            #expect(requirement == "> 5")
            #expect(available == ["v1: libvirt (unknown)"])
        }
        #expect(fixture.boxesTree == [])
    }

    /// A real small filesystem: a box whose content is larger than the free space is refused
    /// before its data is written, and the store is untouched. Needs root to mount a tmpfs.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
    func boxLargerThanFreeSpaceIsRefused() async throws {
        let temp = try TemporaryFolder("boxer-small-fs")
        let mountPoint = try temp.folder("fs")
        let mount = try ProgramRun.run("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", mountPoint.path])
        try #require(mount.status == 0, "mount failed: \(mount.error)")
        defer { _ = try? ProgramRun.run("umount", [mountPoint.path]) }
        let home = BoxerHome(root: mountPoint.appendingPathComponent("home"))
        let store = try BoxStore(home: home)
        // 64 MiB of zeros compresses to about 64 KiB: small to download, too big to unpack here.
        let box = temp.path("huge.box")
        try TestArchive(entries: TestArchive.minimalBox(extra: [.file("disk.raw", Data(count: 64 << 20))])).write(to: box)
        let before = StoreSnapshot(home.boxes)
        var request = BoxAddRequest(source: box.path)
        request.name = "test/huge"
        do {
            try await BoxAdder(store: store, environment: ["BOXER_HOME": home.root.path]).add(request)
            Issue.record("a box larger than the free space was accepted")
        } catch {
            guard case .archive(.insufficientSpace(let name, let needed, let available, _)) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(name == box.path)
            #expect(needed > available)
            #expect(error.description.contains("boxer box prune"))
        }
        #expect(StoreSnapshot(home.boxes) == before)
        #expect(TemporaryFolder.tree(home.temporary) == [])
    }
}
