import BoxArchive
import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `boxer` executable: exit codes, messages, kill -9 recovery, and interchange with Vagrant.
@Suite(.serialized) struct CommandLineTests {
    static func boxer(_ arguments: [String], home: URL, directory: URL? = nil) throws -> ProgramRun {
        try ProgramRun.boxer(arguments, home: home, directory: directory)
    }

    @Test func addListRemoveThroughTheCommandLine() throws {
        let fixture = try StoreFixture()
        let box = try fixture.makeBox("cli.box")
        let add = try Self.boxer(["box", "add", "--name", "cli/box", box.path], home: fixture.home.root)
        #expect(add.status == 0, "\(add.error)")
        #expect(add.output.contains("Successfully added box 'cli/box' (v0) for 'libvirt'!"))
        let list = try Self.boxer(["box", "list"], home: fixture.home.root)
        #expect(list.output == "cli/box (libvirt, 0)\n")
        let again = try Self.boxer(["box", "add", "--name", "cli/box", box.path], home: fixture.home.root)
        #expect(again.status != 0)
        #expect(again.error.contains("already exists"))
        let hostile = fixture.temp.path("hostile.box")
        try TestArchive(entries: TestArchive.minimalBox(extra: [.symlink("evil", target: "/etc/passwd")])).write(to: hostile)
        let refused = try Self.boxer(["box", "add", "--name", "cli/hostile", hostile.path], home: fixture.home.root)
        #expect(refused.status != 0)
        #expect(refused.error.contains("The box \(hostile.path) was refused: entry \"evil\" is a link to the absolute path /etc/passwd"))
        let remove = try Self.boxer(["box", "remove", "cli/box"], home: fixture.home.root)
        #expect(remove.status == 0)
        #expect(try Self.boxer(["box", "list"], home: fixture.home.root).output.contains("There are no installed boxes!"))
        let missing = try Self.boxer(["box", "remove", "cli/box"], home: fixture.home.root)
        #expect(missing.status != 0)
        #expect(missing.error.contains("The box 'cli/box' is not installed"))
    }

    @Test func repackageRoundTrips() throws {
        let fixture = try StoreFixture()
        let box = try fixture.makeBox("orig.box", extra: [.file("disk/extra.img", Data(repeating: 3, count: 70_000))])
        #expect(try Self.boxer(["box", "add", "--name", "orig/box", box.path], home: fixture.home.root).status == 0)
        let output = fixture.temp.path("re.box")
        let repack = try Self.boxer(
            ["box", "repackage", "orig/box", "libvirt", "0", "--output", output.path, "--compression", "zstd"], home: fixture.home.root)
        #expect(repack.status == 0, "\(repack.error)")
        #expect(try ProgramRun.run("bsdtar", ["-tf", output.path]).output.split(separator: "\n").first == "metadata.json")
        #expect(try Self.boxer(["box", "add", "--name", "copy/box", output.path], home: fixture.home.root).status == 0)
        let boxes = fixture.store.list()
        #expect(boxes.map(\.name) == ["copy/box", "orig/box"])
        #expect(StoreSnapshot(boxes[0].directory) == StoreSnapshot(boxes[1].directory))
        let missing = try Self.boxer(["box", "repackage", "orig/box", "libvirt", "9"], home: fixture.home.root)
        #expect(missing.status != 0)
        #expect(missing.error.contains("is not installed"))
    }

    /// kill -9 in the middle of unpacking: no box appears, and the next command removes the
    /// abandoned work folder; a new add then succeeds.
    @Test func killDuringAddIsCleanedUpByTheNextCommand() async throws {
        let executable = try #require(BoxerBinary.url, "build the boxer executable first (swift build)")
        let fixture = try StoreFixture()
        // Enough data that unpacking takes a while: 192 MiB of random bytes, stored uncompressed.
        let payload = fixture.temp.path("payload")
        let dd = try ProgramRun.run("dd", ["if=/dev/urandom", "of=\(payload.path)", "bs=1M", "count=192", "status=none"])
        try #require(dd.status == 0)
        let source = try fixture.temp.folder("src")
        try FileManager.default.moveItem(at: payload, to: source.appendingPathComponent("box.img"))
        try Data(#"{"provider":"libvirt"}"#.utf8).write(to: source.appendingPathComponent("metadata.json"))
        let box = fixture.temp.path("slow.box")
        try BoxWriter(compression: .none).write(folder: source, to: box)
        let before = StoreSnapshot(fixture.home.boxes)

        let process = Process()
        process.executableURL = executable
        process.arguments = ["box", "add", "--name", "test/killed", box.path]
        process.environment = ["BOXER_HOME": fixture.home.root.path, "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until unpacking has begun: the work folder holds part of box.img.
        let deadline = Date().addingTimeInterval(30)
        var sawWork = false
        while Date() < deadline, process.isRunning {
            let work = TemporaryFolder.tree(fixture.home.temporary).filter { $0.hasSuffix("box/box.img") }
            if let image = work.first,
                let size =
                    (try? FileManager.default.attributesOfItem(atPath: fixture.home.temporary.appendingPathComponent(image).path)[.size]
                    as? NSNumber)?.intValue,
                size > 1 << 20
            {
                sawWork = true
                break
            }
            usleep(2_000)  // keep this thread: a starved pool must not let the add finish unseen
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(sawWork, "the add finished or never started unpacking before it could be killed")
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(StoreSnapshot(fixture.home.boxes) == before)
        #expect(!TemporaryFolder.tree(fixture.home.temporary).isEmpty, "the killed run left its work folder")

        let list = try Self.boxer(["box", "list"], home: fixture.home.root)
        #expect(list.status == 0)
        #expect(TemporaryFolder.tree(fixture.home.temporary) == [], "the next command did not clean up")
        let add = try Self.boxer(["box", "add", "--name", "test/killed", box.path], home: fixture.home.root)
        #expect(add.status == 0, "\(add.error)")
        #expect(try Self.boxer(["box", "list"], home: fixture.home.root).output == "test/killed (libvirt, 0)\n")
    }
}

/// Real Vagrant (Debian's 2.3.4) and boxer on the same boxes: the store layouts must be identical,
/// and each must list what the other added. Runs where `vagrant` is installed (CI installs it).
@Suite(.serialized, .enabled(if: ProgramRun.find("vagrant") != nil, "vagrant is not installed"))
struct VagrantInteropTests {
    /// Without plugins: the layouts compared are the store's, whatever plugins are installed.
    static func vagrant(_ arguments: [String], home: URL, directory: URL) throws -> ProgramRun {
        try ProgramRun.vagrant(arguments, home: home, directory: directory, plugins: false)
    }

    static func boxesFiles(_ home: URL) -> [String] {
        TemporaryFolder.tree(home.appendingPathComponent("boxes"))
    }

    @Test func sameLayoutAsVagrantForFilesAndCatalogs() async throws {
        let fixture = try StoreFixture()
        let box = try fixture.makeBox("tiny.box")
        let catalog = try fixture.writeCatalog(
            BoxCatalog(
                name: "test/versioned",
                versions: [
                    .init(
                        version: "1.2.3",
                        providers: [
                            .init(name: "libvirt", url: "file://" + box.path, checksumType: "sha256", checksum: try fixture.sha256(of: box))
                        ])
                ]), to: "catalog.json")
        let vagrantHome = try fixture.temp.folder("vagrant.d")
        for arguments in [["box", "add", "--name", "test/tiny", box.path], ["box", "add", catalog.path]] {
            let run = try Self.vagrant(arguments, home: vagrantHome, directory: fixture.temp.url)
            try #require(run.status == 0, "vagrant \(arguments): \(run.output) \(run.error)")
        }
        _ = try await fixture.add(box.path, name: "test/tiny")
        _ = try await fixture.add(catalog.path)
        #expect(Self.boxesFiles(fixture.home.root) == Self.boxesFiles(vagrantHome))
        #expect(Self.boxesFiles(vagrantHome).contains("test-VAGRANTSLASH-versioned/metadata_url"))
        #expect(
            try String(contentsOf: fixture.home.boxes.appendingPathComponent("test-VAGRANTSLASH-versioned/metadata_url"), encoding: .utf8)
                == (try String(
                    contentsOf: vagrantHome.appendingPathComponent("boxes/test-VAGRANTSLASH-versioned/metadata_url"), encoding: .utf8)))
    }

    @Test func sharedHomeWorksBothWays() async throws {
        let fixture = try StoreFixture()
        let shared = try fixture.temp.folder("shared.d")
        let box = try fixture.makeBox("tiny.box")
        // Vagrant adds, boxer lists and removes.
        let added = try Self.vagrant(["box", "add", "--name", "from/vagrant", box.path], home: shared, directory: fixture.temp.url)
        try #require(added.status == 0, "\(added.error)")
        let store = try BoxStore(home: BoxerHome(root: shared))
        #expect(store.list().map(\.name) == ["from/vagrant"])
        // boxer adds, Vagrant lists.
        var request = BoxAddRequest(source: box.path)
        request.name = "from/boxer"
        _ = try await BoxAdder(store: store, environment: ["BOXER_HOST_ARCHITECTURE": "amd64"]).add(request)
        let listed = try Self.vagrant(["box", "list"], home: shared, directory: fixture.temp.url)
        #expect(listed.status == 0)
        #expect(listed.output.contains("from/boxer   (libvirt, 0)"), "\(listed.output)")
        #expect(listed.output.contains("from/vagrant (libvirt, 0)"), "\(listed.output)")
        for box in try store.boxesToRemove(name: "from/vagrant", version: nil, provider: nil, architecture: nil, all: false) {
            try store.remove(box)
        }
        let after = try Self.vagrant(["box", "list"], home: shared, directory: fixture.temp.url)
        #expect(!after.output.contains("from/vagrant"))
        #expect(after.output.contains("from/boxer"))
    }
}
