import BoxArchive
import BoxerSupport
import Foundation
import Logging

/// What to add, as `boxer box add` takes it.
public struct BoxAddRequest: Sendable {
    public var source: String
    /// More places for the same box file, tried in turn after `source` (a Vagrantfile's
    /// `box_url` list). None of them may be a catalog.
    public var alternatives: [String] = []
    /// The box server `org/name` is looked up on; nil: `$BOXER_SERVER_URL`, `$VAGRANT_SERVER_URL`, Vagrant's.
    public var serverURL: String?
    /// `source` is a catalog whatever its server says its type is (a box's recorded metadata_url).
    public var isCatalog = false
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
        var environment = self.environment
        if let server = request.serverURL, !server.isEmpty { environment["BOXER_SERVER_URL"] = server }
        let source = try BoxSource.resolve(request.source, directory: workingDirectory, environment: environment)
        if !request.alternatives.isEmpty {
            return try await addFromSeveral(
                [source]
                    + request.alternatives.map { text throws(BoxStoreError) in
                        try BoxSource.resolve(text, directory: workingDirectory, environment: environment)
                    }, request: request)
        }
        switch source {
        case .file(let url):
            if let catalog = try Self.localCatalog(at: url) {
                return try await addFromCatalog(catalog, catalogURL: url, request: request, requirement: requirement)
            }
            return try await addDirect([url], request: request)
        case .remote(let url):
            let isCatalog = request.isCatalog ? true : try await downloader.isCatalog(url)
            if isCatalog {
                let catalog = try BoxCatalog.parse(try await downloader.fetch(url), source: url.absoluteString)
                return try await addFromCatalog(catalog, catalogURL: url, request: request, requirement: requirement)
            }
            return try await addDirect([url], request: request)
        case .shorthand(let name, let url):
            let data: Data
            do {
                data = try await downloader.fetch(url)
            } catch {
                guard case .download(_, let reason) = error else { throw error }
                throw .notOnServer(name: name, url: url.absoluteString, reason: reason)
            }
            let catalog = try BoxCatalog.parse(data, source: url.absoluteString)
            return try await addFromCatalog(catalog, catalogURL: url, request: request, requirement: requirement)
        }
    }

    /// Several places for one box file, tried in turn, as Vagrant takes a `box_url` list.
    private func addFromSeveral(_ sources: [BoxSource], request: BoxAddRequest) async throws(BoxStoreError) -> InstalledBox {
        for source in sources {
            let isCatalog: Bool
            switch source {
            case .file(let url): isCatalog = try Self.localCatalog(at: url) != nil
            case .remote(let url): isCatalog = (try? await downloader.isCatalog(url)) ?? false
            case .shorthand: isCatalog = true
            }
            if isCatalog { throw .catalogAmongSeveralURLs(sources.map(\.url.absoluteString)) }
        }
        return try await addDirect(sources.map(\.url), request: request)
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

    /// A box file, from the first of `urls` that downloads.
    private func addDirect(_ urls: [URL], request: BoxAddRequest) async throws(BoxStoreError) -> InstalledBox {
        guard let name = request.name else { throw .nameRequired(source: request.source) }
        guard request.versionRequirement == nil else { throw .versionWithDirectBox(source: request.source) }
        output.say("Box file was not detected as metadata. Adding it directly...")
        output.say("Adding box '\(name)' (v0) for provider: \(request.providers.joined(separator: ", "))")
        for (position, url) in urls.enumerated() {
            do {
                return try await fetchAndInstall(
                    boxURL: url, name: name, version: "0", architecture: request.architecture,
                    expectedProviders: request.providers, checksum: request.checksum, metadataURL: nil, request: request)
            } catch {
                guard position < urls.count - 1, Self.isUnreachable(error) else { throw error }
                output.error("\(error.description) Trying the next URL.")
            }
        }
        throw .sourceNotFound(request.source)
    }

    /// A failure another URL for the same box may not have: the file is missing or the
    /// transfer failed (not a bad box, which every mirror would serve alike).
    static func isUnreachable(_ error: BoxStoreError) -> Bool {
        switch error {
        case .download: return true
        case .archive(.cannotOpen): return true
        default: return false
        }
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
            let partialSize = (try? FileManager.default.attributesOfItem(atPath: download.file.path)[.size] as? NSNumber)?.int64Value
            if let partialSize, partialSize > 0 {
                output.say("Box download is resuming from prior download progress")
            }
            output.detail("Downloading: \(boxURL.absoluteString)")
            let digest: String?
            do {
                digest = try await downloader.download(download, checksum: checksum?.type)
            } catch {
                // Nothing to resume from a URL the server refuses (404 and the like).
                if case .download(_, let reason) = error, reason.hasPrefix("the server answered HTTP 4"), Downloader.isFinal(error) {
                    download.remove()
                }
                throw error
            }
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
