import BoxArchive
import BoxStore
import BoxerSupport
import Crypto
import Foundation
import Machines

/// The first build step: the template's cloud image, downloaded into
/// `$BOXER_HOME/cache/images/<hash of the URL>/` (resumed after an interruption, shared by
/// every build that uses it) and checked against the template's checksum before anything uses
/// it. A mismatch deletes the download. `mirror` serves offline builds: the image's (and the
/// checksum file's) scheme and host are replaced by the mirror's URL, the path kept.
/// `$BOXER_IMAGE_CACHE` moves the cache, so that several boxer homes (or CI runs) share it.
public struct SourceImage: Sendable {
    public let home: BoxerHome
    public var downloader: Downloader
    public var mirror: String?
    /// Where images are cached.
    public var cacheRoot: String

    public init(
        home: BoxerHome, downloader: Downloader = Downloader(), mirror: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.home = home
        self.downloader = downloader
        self.mirror = mirror
        cacheRoot = environment["BOXER_IMAGE_CACHE"].flatMap { $0.isEmpty ? nil : $0 } ?? home.path + "/cache/images"
    }

    /// What the fetch step says it does.
    public func describe(_ template: BoxTemplate) -> String {
        if let recipe = template.source.recipe { return "Building the source image with \(recipe) (\(template.architecture.rawValue))" }
        return "Fetching \(effectiveURL(template.source.url))"
    }

    /// The template's source image on disk, fetched and checked, or built by its recipe.
    public func image(for template: BoxTemplate, log: Output) async throws(BuildError) -> String {
        guard let recipe = template.source.recipe else {
            // Packer's iso_urls: the next URL when one cannot be downloaded (not when it is wrong).
            var source = template.source
            for next in template.source.alternateURLs {
                do { return try await fetch(source) } catch  where error.kind == .download {
                    log.warn("\(error.message); trying \(next)")
                }
                source.url = next
            }
            return try await fetch(source)
        }
        return try await build(
            recipe: HostFiles.absolute(recipe, relativeTo: HostFiles.parent(of: template.file)),
            architecture: template.architecture.rawValue, output: template.source.kind == .iso ? "source.iso" : "box.img", log: log)
    }

    /// Runs a recipe, or reuses its image: the cache is keyed by every file in the recipe's
    /// folder and the architecture, so a changed recipe builds again. One build at a time per
    /// key; a second build waits for the first and reuses its image.
    func build(recipe script: String, architecture: String, output: String = "box.img", log: Output) async throws(BuildError) -> String {
        guard FileManager.default.isExecutableFile(atPath: script) else {
            throw BuildError.recipeMissing(script)
        }
        let recipeFolder = HostFiles.parent(of: script)
        var hasher = SHA256()
        hasher.update(data: Data("\(architecture)\n\((script as NSString).lastPathComponent)\n".utf8))
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: recipeFolder)) ?? []).sorted()
        for name in names where HostFiles.kind(of: recipeFolder + "/" + name) == .regular {
            hasher.update(data: Data(name.utf8))
            hasher.update(data: FileManager.default.contents(atPath: recipeFolder + "/" + name) ?? Data())
        }
        let key = hasher.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
        let folder = cacheRoot + "/recipe-\((recipeFolder as NSString).lastPathComponent)-\(architecture)-\(key)"
        let image = folder + "/" + output
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw BuildError.cannotCreate(folder, error.localizedDescription)
        }
        let lockURL = URL(fileURLWithPath: folder + ".lock")
        let lock: FileLock
        do {
            lock = try await onDedicatedThread { () throws -> FileLock in
                guard let lock = try FileLock.acquire(lockURL) else {
                    throw SystemError(operation: "lock", path: lockURL.path, code: EAGAIN)
                }
                return lock
            }.get()
        } catch {
            throw BuildError.cannotLock(lockURL.path, "\(error)")
        }
        defer { lock.unlock() }
        if HostFiles.kind(of: image) == .regular {
            log.detail("reusing \(image), built before by the same recipe")
            return image
        }
        let scratch = folder + "/.building"
        try? FileManager.default.removeItem(atPath: scratch)
        let lines = LastLines()
        let status: Int32
        do {
            status = try await Programs.stream(script, [architecture, scratch]) { line, _ in
                lines.append(line)
                log.detail(line)
            }
        } catch {
            throw BuildError.cannotRunRecipe(script, error.message)
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        guard status == 0 else {
            throw BuildError.recipeFailed(script, status: status, lastLines: lines.text)
        }
        guard rename(scratch + "/" + output, image) == 0 else {
            throw BuildError.recipeWroteNoImage(script)
        }
        return image
    }

    /// An ISO 9660 image has "CD001" at byte 32769 (its first volume descriptor).
    static func checkISO(_ path: String) throws(BuildError) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BuildError.cannotRead(path) }
        defer { try? handle.close() }
        try? handle.seek(toOffset: 32769)
        guard let magic = try? handle.read(upToCount: 5), magic == Data("CD001".utf8) else { throw BuildError.notAnISO(path) }
    }

    /// `url` as fetched: through the mirror when there is one.
    public func effectiveURL(_ url: String) -> String {
        guard let mirror, let parsed = URL(string: url), parsed.scheme != "file" else { return url }
        var path = parsed.path
        if let query = parsed.query { path += "?" + query }
        return (mirror.hasSuffix("/") ? String(mirror.dropLast()) : mirror) + path
    }

    func cacheFolder(for url: String) -> String {
        let digest = SHA256.hash(data: Data(url.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return cacheRoot + "/" + digest
    }

    /// The verified image on disk.
    public func fetch(_ source: BoxTemplate.Source) async throws(BuildError) -> String {
        let expected = try await expectedChecksum(source)
        let url = effectiveURL(source.url)
        guard let parsed = URL(string: url) else { throw BuildError.sourceURLInvalid(url) }
        if parsed.scheme == "file" {
            // A local image is checked where it is, not copied.
            let actual = try Self.digest(of: parsed.path, type: expected.type)
            guard expected.matches(actual) else {
                throw BuildError.imageChecksumMismatch(parsed.path, type: expected.type.rawValue, expected: expected.value, actual: actual)
            }
            return parsed.path
        }
        let folder = cacheFolder(for: source.url)
        let name = parsed.lastPathComponent.isEmpty ? "image" : parsed.lastPathComponent
        let image = folder + "/" + name
        let verified = image + ".verified"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw BuildError.cannotCreate(folder, error.localizedDescription)
        }
        // Cached and checked before, unchanged since: the stamp has its size, time and digest.
        if let stamp = try? HostFiles.readText(at: verified, limit: 4096), stamp == Self.stamp(image, expected),
            HostFiles.kind(of: image) == .regular
        {
            return image
        }
        let partial = PartialDownload(url: parsed, file: URL(fileURLWithPath: image + ".part"))
        let lock: FileLock
        do { lock = try partial.lock() } catch { throw BuildError.passing(error.description, as: .io) }
        defer { lock.unlock() }
        let actual: String?
        do {
            actual = try await downloader.download(partial, checksum: expected.type)
        } catch {
            throw BuildError.cannotDownload(url, Self.reason(error), mirror: mirror, path: parsed.path)
        }
        guard let actual, expected.matches(actual) else {
            partial.remove()
            rmdir(folder)
            throw BuildError.downloadChecksumMismatch(url, type: expected.type.rawValue, expected: expected.value, actual: actual)
        }
        unlink(image)
        guard rename(partial.file.path, image) == 0 else {
            throw BuildError.cannotMoveDownload(to: image, String(cString: strerror(errno)))
        }
        try? Self.stamp(image, expected).write(toFile: verified, atomically: true, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: partial.file.path + ".lock")
        return image
    }

    /// The template's checksum, or the image's line in its checksum file.
    func expectedChecksum(_ source: BoxTemplate.Source) async throws(BuildError) -> ExpectedChecksum {
        if let checksum = source.checksum { return checksum }
        guard let checksumURL = source.checksumURL else { throw BuildError.noChecksum() }
        let url = effectiveURL(checksumURL)
        guard let parsed = URL(string: url) else { throw BuildError.checksumURLInvalid(url) }
        let text: String
        if parsed.scheme == "file" {
            guard let data = FileManager.default.contents(atPath: parsed.path) else {
                throw BuildError.cannotReadChecksumFile(parsed.path)
            }
            text = String(decoding: data, as: UTF8.self)
        } else {
            do {
                text = String(decoding: try await downloader.fetch(parsed, limit: 4 << 20), as: UTF8.self)
            } catch {
                throw BuildError.cannotDownloadChecksumFile(url, Self.reason(error), mirror: mirror)
            }
        }
        let name = URL(string: source.url)?.lastPathComponent ?? source.url
        guard let checksum = Self.checksum(named: name, in: text) else {
            throw BuildError.noChecksumLine(in: url, for: name)
        }
        return checksum
    }

    /// A file's line in GNU (`<hex>  <name>`, `<hex> *<name>`) or BSD (`SHA256 (<name>) = <hex>`)
    /// checksum lists; the type follows from the digest's length or the BSD tag.
    public static func checksum(named name: String, in text: String) -> ExpectedChecksum? {
        let byLength: [Int: ChecksumType] = [32: .md5, 40: .sha1, 64: .sha256, 96: .sha384, 128: .sha512]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"), open < close,
                let type = ChecksumType(
                    vagrantName: line[..<open].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "-", with: ""))
            {
                let file = String(line[line.index(after: open)..<close])
                let digest = line[line.index(after: close)...].drop { $0 == " " || $0 == "=" }.trimmingCharacters(in: .whitespaces)
                if file == name { return ExpectedChecksum(type: type, value: digest) }
                continue
            }
            let fields = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard fields.count == 2, let type = byLength[fields[0].count], fields[0].allSatisfy(\.isHexDigit) else { continue }
            var file = fields[1].trimmingCharacters(in: .whitespaces)
            if file.hasPrefix("*") { file.removeFirst() }
            if file == name || (file as NSString).lastPathComponent == name {
                return ExpectedChecksum(type: type, value: String(fields[0]))
            }
        }
        return nil
    }

    static func digest(of path: String, type: ChecksumType) throws(BuildError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BuildError.cannotRead(path) }
        defer { try? handle.close() }
        var digest = type.makeDigest()
        while let chunk = try? handle.read(upToCount: 4 << 20), !chunk.isEmpty { digest.update(chunk) }
        return digest.finalizeHex()
    }

    static func stamp(_ path: String, _ expected: ExpectedChecksum) -> String {
        var status = stat()
        guard stat(path, &status) == 0 else { return "" }
        return "\(status.st_size) \(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec) \(expected.type.rawValue):\(expected.value)\n"
    }

    static func reason(_ error: BoxStoreError) -> String {
        if case .download(_, let reason) = error { return reason }
        return error.description
    }
}
