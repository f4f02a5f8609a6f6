import BoxArchive
import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation

/// Collects what `box add` says, as the lines a terminal shows.
struct RecordedEvents {
    let collected = CollectingRenderer()
    var output: Output { Output(collected) }

    var lines: [String] {
        collected.events.compactMap { event in
            guard case .message(let level, let target, let text) = event else { return nil }
            return (level == .info || level == .success ? "==> " : "    ") + (target.map { "\($0): " } ?? "") + text
        }
    }
}

/// A fresh $BOXER_HOME and a place for box files, removed after the test.
struct StoreFixture {
    let temp: TemporaryFolder
    let home: BoxerHome
    let store: BoxStore
    let events = RecordedEvents()
    var environment: [String: String]

    init(hostArchitecture: String = "amd64") throws {
        temp = try TemporaryFolder("boxer-store")
        home = BoxerHome(root: temp.url.appendingPathComponent("home"))
        store = try BoxStore(home: home)
        environment = ["BOXER_HOME": home.root.path, "BOXER_HOST_ARCHITECTURE": hostArchitecture]
    }

    var adder: BoxAdder {
        BoxAdder(store: store, environment: environment, workingDirectory: temp.url, output: events.output)
    }

    func add(
        _ source: String, name: String? = nil, version: String? = nil, providers: [String] = [], architecture: String? = nil,
        checksum: ExpectedChecksum? = nil, force: Bool = false
    ) async throws -> InstalledBox {
        var request = BoxAddRequest(source: source)
        request.name = name
        request.versionRequirement = version
        request.providers = providers
        request.architecture = architecture
        request.checksum = checksum
        request.force = force
        return try await adder.add(request)
    }

    /// Writes a minimal box for `provider` and returns its path.
    func makeBox(_ fileName: String, provider: String = "libvirt", filter: TestArchive.Filter = .gzip, extra: [TestArchive.Entry] = [])
        throws -> URL
    {
        let url = temp.path(fileName)
        try TestArchive(filter: filter, entries: TestArchive.minimalBox(provider: provider, extra: extra)).write(to: url)
        return url
    }

    func sha256(of url: URL) throws -> String {
        var digest = ChecksumType.sha256.makeDigest()
        digest.update(try Data(contentsOf: url))
        return digest.finalizeHex()
    }

    /// Writes a catalog JSON file.
    func writeCatalog(_ catalog: BoxCatalog, to fileName: String) throws -> URL {
        let url = temp.path(fileName)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(catalog).write(to: url)
        return url
    }

    /// What the store holds, relative to $BOXER_HOME/boxes.
    var boxesTree: [String] { TemporaryFolder.tree(home.boxes) }
}
