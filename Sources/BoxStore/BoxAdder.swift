import BoxArchive
import BoxerSupport
import Foundation
import Logging

/// What to add, as `boxer box add` takes it.
public struct BoxAddRequest: Sendable {
    public var source: String
    public var name: String?
    public var versionRequirement: String?
    public var providers: [String] = []
    /// nil: Vagrant's `:auto` (host architecture, else the catalog's default entry).
    public var architecture: String?
    public var checksum: ExpectedChecksum?
    public var force = false
    /// Discard a partial download of the same URL instead of resuming it.
    public var clean = false

    public init(source: String) {
        self.source = source
    }
}

/// `box add`: resolve the source, fetch and verify it, unpack into a private work folder, validate,
/// then rename into the store. The store is untouched unless every step succeeds.
public struct BoxAdder: Sendable {
    static let logger = Logger(label: "boxer.box-add")
    public let store: BoxStore
    public var environment: [String: String]
    public var workingDirectory: URL
    public var downloader: Downloader
    public var output: Output

    public init(
        store: BoxStore, environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath), downloader: Downloader = Downloader(),
        output: Output = .discarded
    ) {
        self.store = store
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.downloader = downloader
        self.output = output.targeting("box")
    }

    @discardableResult
    public func add(_ request: BoxAddRequest) async throws(BoxStoreError) -> InstalledBox {
        if let name = request.name { try BoxStore.validate(name: name) }
        let requirement = try request.versionRequirement.map { text throws(BoxStoreError) -> VersionRequirement in
            guard let parsed = VersionRequirement(text) else { throw .invalidVersionRequirement(text) }
            return parsed
        }
        let source = try BoxSource.resolve(request.source, directory: workingDirectory, environment: environment)
        switch source {
        case .file(let url):
            if let catalog = try Self.localCatalog(at: url) {
                return try await addFromCatalog(catalog, catalogURL: url, request: request, requirement: requirement)
            }
            return try await addDirect(url, request: request)
        case .remote(let url):
            if try await downloader.isCatalog(url) {
                let catalog = try BoxCatalog.parse(try await downloader.fetch(url), source: url.absoluteString)
                return try await addFromCatalog(catalog, catalogURL: url, request: request, requirement: requirement)
            }
            return try await addDirect(url, request: request)
        case .shorthand(_, let url):
            let catalog = try BoxCatalog.parse(try await downloader.fetch(url), source: url.absoluteString)
            return try await addFromCatalog(catalog, catalogURL: url, request: request, requirement: requirement)
        }
    }

    /// A local file is a catalog if it is small and parses as a JSON object (Vagrant's rule).
    static func localCatalog(at url: URL) throws(BoxStoreError) -> BoxCatalog? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            let size = (attributes[.size] as? NSNumber)?.int64Value, size > 0, size <= 20 << 20,
            let data = FileManager.default.contents(atPath: url.path),
            let first = data.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }), first == UInt8(ascii: "{"),
            (try? JSONSerialization.jsonObject(with: data)) is [String: Any]
        else { return nil }
        return try BoxCatalog.parse(data, source: url.path)
    }

    // MARK: - Direct boxes

    private func addDirect(_ url: URL, request: BoxAddRequest) async throws(BoxStoreError) -> InstalledBox {
        guard let name = request.name else { throw .nameRequired(source: request.source) }
        guard request.versionRequirement == nil else { throw .versionWithDirectBox(source: request.source) }
        output.say("Box file was not detected as metadata. Adding it directly...")
        output.say("Adding box '\(name)' (v0) for provider: \(request.providers.joined(separator: ", "))")
        return try await fetchAndInstall(
            boxURL: url, name: name, version: "0", architecture: request.architecture,
            expectedProviders: request.providers, checksum: request.checksum, metadataURL: nil, request: request)
    }

    // MARK: - Catalogs

    private func addFromCatalog(_ catalog: BoxCatalog, catalogURL: URL, request: BoxAddRequest, requirement: VersionRequirement?)
        async throws(BoxStoreError) -> InstalledBox
    {
        output.say("Loading metadata for box '\(request.source)'")
        if let name = request.name, name != catalog.name {
            throw .nameMismatch(requested: name, catalog: catalog.name)
        }
        try BoxStore.validate(name: catalog.name)
        let host = HostArchitecture.current(environment: environment)
        let choice: BoxCatalog.ArchitectureChoice = request.architecture.map { .named($0) } ?? .auto(host: host)
        guard let selection = try catalog.select(requirement: requirement, providers: request.providers, architecture: choice) else {
            let available = catalog.versions.map { version in
                "v\(version.version): " + version.providers.map { "\($0.name) (\($0.architecture ?? "unknown"))" }.joined(separator: ", ")
            }
            throw .noMatchingVersion(
                box: catalog.name, requirement: requirement?.description, providers: request.providers,
                architecture: request.architecture ?? "\(host) or the default", available: available)
        }
        let entry = selection.provider
        guard let boxURL = URL(string: entry.url, relativeTo: catalogURL)?.absoluteURL else {
            throw .invalidCatalog(
                source: catalogURL.absoluteString,
                reason: "the url \"\(entry.url)\" of \(entry.name) v\(selection.version.version) is not a URL")
        }
        var checksum = request.checksum
        if checksum == nil, let value = entry.checksum, !value.isEmpty {
            guard let type = entry.checksumType.flatMap(ChecksumType.init(vagrantName:)) else {
                throw .invalidCatalog(
                    source: catalogURL.absoluteString,
                    reason:
                        "checksum_type \"\(entry.checksumType ?? "")\" is not one of \(ChecksumType.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            checksum = ExpectedChecksum(type: type, value: value)
        }
        output.say(
            "Adding box '\(catalog.name)' (v\(selection.version.version)) for provider: \(entry.name)\(entry.storedArchitecture.map { " (\($0))" } ?? "")"
        )
        // Percent-escaped as Vagrant writes it, so paths with spaces or '#' read back the same.
        let metadataURL = catalogURL.isFileURL ? URL(fileURLWithPath: catalogURL.path).absoluteString : catalogURL.absoluteString
        return try await fetchAndInstall(
            boxURL: boxURL, name: catalog.name, version: selection.version.version, architecture: entry.storedArchitecture,
            expectedProviders: [entry.name], checksum: checksum, metadataURL: metadataURL, request: request)
    }

    // MARK: - Fetch, verify, unpack, install

    private func fetchAndInstall(
        boxURL: URL, name: String, version: String, architecture: String?, expectedProviders: [String], checksum: ExpectedChecksum?,
        metadataURL: String?, request: BoxAddRequest
    ) async throws(BoxStoreError) -> InstalledBox {
        // Fail before a long download when the result could not be installed anyway.
        if !request.force, let provider = expectedProviders.first, expectedProviders.count == 1,
            FileManager.default.fileExists(
                atPath: store.providerFolder(name: name, version: version, architecture: architecture, provider: provider).path)
        {
            throw .alreadyExists(name: name, version: version, provider: provider, architecture: architecture)
        }
        let workspace = try Workspace(home: store.home, purpose: "add")
        defer { workspace.discard() }

        var archive = boxURL
        var partial: PartialDownload?
        var downloadLock: FileLock?
        defer { withExtendedLifetime(downloadLock) {} }
        var verified = false
        if !boxURL.isFileURL {
            let download = PartialDownload(url: boxURL, home: store.home)
            // Held until the end: nobody else resumes, unpacks or deletes this file meanwhile.
            downloadLock = try download.lock()
            if request.clean { download.removeData() }
            if FileManager.default.fileExists(atPath: download.file.path) {
                output.say("Box download is resuming from prior download progress")
            }
            output.detail("Downloading: \(boxURL.absoluteString)")
            let digest = try await downloader.download(download, checksum: checksum?.type)
            archive = download.file
            partial = download
            if let checksum, let digest {
                output.say("Calculating and comparing box checksum...")
                guard checksum.matches(digest) else {
                    download.remove()
                    throw .archive(
                        .checksumMismatch(box: boxURL.absoluteString, type: checksum.type, expected: checksum.value, actual: digest))
                }
                verified = true
            }
        } else if !FileManager.default.fileExists(atPath: boxURL.path) {
            throw .archive(.cannotOpen(path: boxURL.path, reason: "no such file"))
        }
        do {
            let installed = try await unpackAndInstall(
                archive: archive, boxURL: boxURL, name: name, version: version, architecture: architecture,
                expectedProviders: expectedProviders, checksum: verified ? nil : checksum, metadataURL: metadataURL,
                replace: request.force, workspace: workspace)
            partial?.remove()
            return installed
        } catch {
            // A complete download that does not unpack is bad: fetch it afresh next time.
            partial?.remove()
            throw error
        }
    }

    private func unpackAndInstall(
        archive: URL, boxURL: URL, name: String, version: String, architecture: String?, expectedProviders: [String],
        checksum: ExpectedChecksum?, metadataURL: String?, replace: Bool, workspace: Workspace
    ) async throws(BoxStoreError) -> InstalledBox {
        output.detail(
            "Unpacking necessary files from: \(boxURL.isFileURL ? URL(fileURLWithPath: boxURL.path).absoluteString : boxURL.absoluteString)"
        )
        let unpacked = try workspace.subfolder("box")
        let extractor = BoxExtractor(boxName: boxURL.isFileURL ? boxURL.path : boxURL.absoluteString, checksum: checksum?.type)
        // Unpacking blocks on disk I/O for seconds: keep it off the concurrency thread pool.
        let extraction = await onDedicatedThread { () throws(BoxArchiveError) -> ExtractionResult in
            try extractor.extract(archive: archive, into: unpacked)
        }
        let result: ExtractionResult
        do {
            result = try extraction.get()
        } catch {
            throw .archive(error)
        }
        Self.logger.debug(
            "unpacked \(result.entryCount) entries, \(result.dataBytes) bytes of data from \(result.archiveBytes) bytes (\(result.format), \(result.filters.joined(separator: "+")))"
        )
        if let checksum {
            output.say("Calculating and comparing box checksum...")
            let actual = result.checksum ?? ""
            guard checksum.matches(actual) else {
                throw .archive(.checksumMismatch(box: extractor.boxName, type: checksum.type, expected: checksum.value, actual: actual))
            }
        }
        let metadata = try Self.metadata(of: unpacked, boxName: extractor.boxName)
        if !expectedProviders.isEmpty, !expectedProviders.contains(metadata.provider) {
            throw .providerMismatch(box: extractor.boxName, expected: expectedProviders, actual: metadata.provider)
        }
        let installed = try store.install(
            folder: unpacked, name: name, version: version, architecture: architecture,
            provider: metadata.provider, metadataURL: metadataURL, replace: replace)
        output.success("Successfully added box '\(name)' (v\(version)) for '\(metadata.provider)\(architecture.map { " (\($0))" } ?? "")'!")
        return installed
    }

    /// Reads metadata.json; a bare `box.ovf` with none is an old VirtualBox box, as Vagrant treats it.
    static func metadata(of folder: URL, boxName: String) throws(BoxStoreError) -> BoxMetadata {
        let file = folder.appendingPathComponent("metadata.json")
        if !FileManager.default.fileExists(atPath: file.path),
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("box.ovf").path)
        {
            let legacy = BoxMetadata(provider: "virtualbox")
            do { try legacy.json.write(to: file) } catch { throw .io("Cannot write \(file.path): \(error)") }
        }
        do {
            return try BoxMetadata(contentsOf: folder, source: boxName)
        } catch {
            throw .archive(error)
        }
    }
}
