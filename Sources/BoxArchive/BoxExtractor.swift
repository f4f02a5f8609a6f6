import BoxerSupport
import CLibArchive
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What unpacking a box produced.
public struct ExtractionResult: Sendable {
    /// Hex digest of the whole box file, when a checksum type was asked for.
    public let checksum: String?
    /// Bytes of the box file read.
    public let archiveBytes: Int64
    /// Bytes of file data written (holes excluded).
    public let dataBytes: Int64
    public let entryCount: Int
    /// libarchive's names for the container and its compression, e.g. "GNU tar format", ["gzip"].
    public let format: String
    public let filters: [String]
}

/// Unpacks a box archive in process with libarchive, refusing anything that could reach outside the
/// target folder, and keeping holes in disk images as holes.
///
/// Accepts what Vagrant's `bsdtar -x` accepts — tar (ustar, pax, GNU, with sparse entries) and zip,
/// uncompressed or compressed with gzip, bzip2, xz, lzma, zstd or lz4, detected from the data — minus
/// hostile entries: absolute paths, `..`, links leaving the box, devices, FIFOs and sockets.
public struct BoxExtractor: Sendable {
    /// Name used for the box in messages (its path or URL).
    public var boxName: String
    /// Checksum to compute while reading; compare the result with the expected value before installing.
    public var checksum: ChecksumType?
    /// Free space to leave on the target filesystem; an archive that would eat into it is refused
    /// before its data is written.
    public var reservedSpace: Int64 = 1 << 20

    public init(boxName: String, checksum: ChecksumType? = nil) {
        self.boxName = boxName
        self.checksum = checksum
    }

    /// Unpacks `archive` into the existing empty folder `destination`.
    public func extract(archive: URL, into destination: URL) throws(BoxArchiveError) -> ExtractionResult {
        let input = try ArchiveInput(path: archive.path, checksum: checksum)
        guard let reader = archive_read_new() else {
            throw .cannotOpen(path: archive.path, reason: "libarchive could not allocate a reader")
        }
        defer { archive_read_free(reader) }
        Self.enableBoxFormats(reader)
        // Read past tar's end-of-archive blocks to the end of the compressed stream, so corruption
        // anywhere in the file surfaces as an error instead of being ignored.
        archive_read_set_format_option(reader, "tar", "read_concatenated_archives", "1")
        guard input.attach(to: reader) == ARCHIVE_OK else {
            throw openError(reader: reader, input: input)
        }
        guard let writer = archive_write_disk_new() else {
            throw .cannotOpen(path: destination.path, reason: "libarchive could not allocate a writer")
        }
        defer { archive_write_free(writer) }
        // No owners, permissions or times from the archive (Vagrant: --no-same-owner
        // --no-same-permissions -m). Holes are made by `writeSkippingZeros`, not by libarchive's
        // ARCHIVE_EXTRACT_SPARSE, which scans and writes in 4 KiB pieces and costs twice the time.
        archive_write_disk_set_options(writer, ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT)

        var state = ExtractionState(root: destination.standardizedFileURL.path)
        let fileWriter = BackgroundFileWriter()
        let free: Int64
        do {
            free = try DiskSpace.available(at: destination)
        } catch {
            throw .writeFailed(path: destination.path, reason: "\(error)")
        }
        let budget = free - reservedSpace

        while true {
            var entryPointer: OpaquePointer?
            let status = archive_read_next_header(reader, &entryPointer)
            if status == ARCHIVE_EOF { break }
            guard status >= ARCHIVE_WARN, let entry = entryPointer else {
                if state.entryCount == 0 {
                    throw openError(reader: reader, input: input)
                }
                throw .corruptArchive(box: boxName, entry: nil, reason: Self.message(reader, input: input))
            }
            state.entryCount += 1
            let rawName = Self.pathname(of: entry)
            let relative: String
            switch EntryPath.normalize(rawName) {
            case .failure(let refusal):
                throw .unsafeEntry(box: boxName, entry: rawName, reason: refusal.reason)
            case .success(nil):
                continue  // "./": the root itself
            case .success(let path?):
                relative = path
            }
            if let link = EntryPath.parents(of: relative).first(where: state.symlinks.keys.contains) {
                throw .unsafeEntry(box: boxName, entry: rawName, reason: "would be written through the link \(link)")
            }
            try check(entry: entry, named: rawName, at: relative, state: &state)

            let needed = Self.dataSize(of: entry)
            state.declaredBytes += needed
            if state.declaredBytes > budget {
                throw .insufficientSpace(
                    box: boxName, needed: state.declaredBytes + reservedSpace,
                    available: free, folder: destination.path)
            }

            let permissions = Self.normalizedPermissions(archive_entry_perm(entry), type: archive_entry_filetype(entry))
            if archive_entry_filetype(entry) == FileType.regular, archive_entry_hardlink(entry) == nil {
                // File data takes boxer's own path: written on a second thread, holes kept.
                state.dataBytes += try extractFile(entry, from: reader, at: relative, named: rawName, permissions: permissions, root: state.root, input: input, fileWriter: fileWriter)
                continue
            }
            // Folders, symbolic links and hard links: libarchive's disk writer.
            archive_entry_set_pathname(entry, state.root + "/" + relative)
            archive_entry_set_perm(entry, permissions)
            if archive_write_header(writer, entry) < ARCHIVE_WARN || archive_write_finish_entry(writer) < ARCHIVE_WARN {
                throw writeError(writer, entry: rawName)
            }
        }
        guard state.entryCount > 0 else {
            throw .notAnArchive(box: boxName, reason: "it holds no entries")
        }
        try state.checkLinkChains(box: boxName)
        input.drain()
        if input.readError != 0 {
            throw .cannotOpen(path: archive.path, reason: String(cString: strerror(input.readError)))
        }
        let filters = (0..<archive_filter_count(reader)).compactMap { index -> String? in
            guard let name = archive_filter_name(reader, index) else { return nil }
            let text = String(cString: name)
            return text == "none" ? nil : text
        }
        return ExtractionResult(
            checksum: input.digest?.finalizeHex(),
            archiveBytes: input.bytesRead,
            dataBytes: state.dataBytes,
            entryCount: state.entryCount,
            format: archive_format_name(reader).map { String(cString: $0) } ?? "unknown",
            filters: filters)
    }

    /// Only box containers and in-process decompressors: no mtree (it reads files named inside it
    /// from the host), no external decompression programs.
    static func enableBoxFormats(_ reader: OpaquePointer) {
        archive_read_support_format_tar(reader)
        archive_read_support_format_gnutar(reader)
        archive_read_support_format_zip(reader)
        archive_read_support_filter_gzip(reader)
        archive_read_support_filter_bzip2(reader)
        archive_read_support_filter_xz(reader)
        archive_read_support_filter_lzma(reader)
        archive_read_support_filter_zstd(reader)
        archive_read_support_filter_lz4(reader)
    }

    // MARK: - Entries

    private func check(entry: OpaquePointer, named rawName: String, at relative: String, state: inout ExtractionState) throws(BoxArchiveError) {
        if let hardlinkPointer = archive_entry_hardlink(entry) {
            let target = String(cString: hardlinkPointer)
            guard case .success(let targetPath?) = EntryPath.normalize(target) else {
                throw .unsafeEntry(box: boxName, entry: rawName, reason: "is a hard link to \(target), outside the box")
            }
            guard state.regularFiles.contains(targetPath) else {
                throw .unsafeEntry(box: boxName, entry: rawName, reason: "is a hard link to \(target), which is not a file earlier in the box")
            }
            archive_entry_set_hardlink(entry, state.root + "/" + targetPath)
            state.regularFiles.insert(relative)
            return
        }
        switch archive_entry_filetype(entry) {
        case FileType.regular:
            state.regularFiles.insert(relative)
        case FileType.directory:
            break
        case FileType.symlink:
            let target = archive_entry_symlink(entry).map { String(cString: $0) } ?? ""
            if case .failure(let refusal) = EntryPath.resolve(target: target, from: relative) {
                throw .unsafeEntry(box: boxName, entry: rawName, reason: refusal.reason)
            }
            state.symlinks[relative] = target
        case FileType.characterDevice, FileType.blockDevice:
            throw .unsafeEntry(box: boxName, entry: rawName, reason: "is a device node")
        case FileType.fifo:
            throw .unsafeEntry(box: boxName, entry: rawName, reason: "is a FIFO")
        case FileType.socket:
            throw .unsafeEntry(box: boxName, entry: rawName, reason: "is a socket")
        default:
            throw .unsafeEntry(box: boxName, entry: rawName, reason: "has an unknown file type")
        }
    }

    /// Creates a regular file (never following a link) and streams its data to the background writer.
    private func extractFile(_ entry: OpaquePointer, from reader: OpaquePointer, at relative: String, named rawName: String, permissions: mode_t, root: String, input: ArchiveInput, fileWriter: BackgroundFileWriter) throws(BoxArchiveError) -> Int64 {
        for parent in EntryPath.parents(of: relative) {
            let path = root + "/" + parent
            if mkdir(path, 0o755) != 0, errno != EEXIST {
                throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
        }
        let path = root + "/" + relative
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, permissions)
        guard fd >= 0 else {
            if errno == ELOOP {
                throw .unsafeEntry(box: boxName, entry: rawName, reason: "would replace a link with a file")
            }
            throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        fchmod(fd, permissions)
        fileWriter.begin(descriptor: fd)
        var written: Int64 = 0
        var end: Int64 = 0
        while true {
            var block: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let status = archive_read_data_block(reader, &block, &size, &offset)
            if status == ARCHIVE_EOF { break }
            guard status >= ARCHIVE_WARN else {
                fileWriter.abandon()
                throw .corruptArchive(box: boxName, entry: rawName, reason: Self.message(reader, input: input))
            }
            if size > 0 {
                fileWriter.append(UnsafeRawBufferPointer(start: block, count: size), at: offset)
                written += Int64(size)
                end = max(end, offset + Int64(size))
            }
        }
        let size = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : end
        let code = fileWriter.finish(size: size)
        if code == ENOSPC || code == EDQUOT {
            throw .insufficientSpace(box: boxName, needed: 0, available: 0, folder: "the box store (the disk filled up while writing \(rawName))")
        }
        if code != 0 {
            throw .writeFailed(path: path, reason: String(cString: strerror(code)))
        }
        return written
    }

    /// Bytes an entry will occupy: its data, not its holes.
    static func dataSize(of entry: OpaquePointer) -> Int64 {
        guard archive_entry_filetype(entry) == FileType.regular, archive_entry_hardlink(entry) == nil else { return 0 }
        let size = archive_entry_size(entry)
        let sparseCount = archive_entry_sparse_reset(entry)
        guard sparseCount > 0 else { return max(size, 0) }
        var total: Int64 = 0
        var offset: la_int64_t = 0
        var length: la_int64_t = 0
        while archive_entry_sparse_next(entry, &offset, &length) == ARCHIVE_OK {
            total += length
        }
        return total
    }

    /// Files 0644 (0755 if any execute bit), folders 0755, as a umask of 022 would give.
    static func normalizedPermissions(_ mode: mode_t, type: mode_t) -> mode_t {
        if type == FileType.directory || mode & 0o111 != 0 { return 0o755 }
        return 0o644
    }

    static func pathname(of entry: OpaquePointer) -> String {
        if let utf8 = archive_entry_pathname_utf8(entry) { return String(cString: utf8) }
        if let raw = archive_entry_pathname(entry) { return String(cString: raw) }
        return ""
    }

    // MARK: - Errors

    private func openError(reader: OpaquePointer, input: ArchiveInput) -> BoxArchiveError {
        let text = Self.message(reader, input: input)
        if input.bytesRead == 0 || text.contains("Unrecognized archive format") {
            return .notAnArchive(box: boxName, reason: input.bytesRead == 0 ? "the file is empty" : text)
        }
        return .corruptArchive(box: boxName, entry: nil, reason: text)
    }

    private func writeError(_ writer: OpaquePointer, entry: String) -> BoxArchiveError {
        let code = archive_errno(writer)
        if code == ENOSPC || code == EDQUOT {
            return .insufficientSpace(box: boxName, needed: 0, available: 0, folder: "the box store (disk full while writing \(entry))")
        }
        let text = archive_error_string(writer).map { String(cString: $0) } ?? String(cString: strerror(code))
        if text.contains("symlink") || text.contains("..") {
            return .unsafeEntry(box: boxName, entry: entry, reason: text)
        }
        return .writeFailed(path: entry, reason: text)
    }

    static func message(_ reader: OpaquePointer, input: ArchiveInput) -> String {
        if input.readError != 0 { return String(cString: strerror(input.readError)) }
        return archive_error_string(reader).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}

/// `AE_IF*` from archive_entry.h, which Swift does not import (they are casts, not literals).
enum FileType {
    static let regular: mode_t = 0o100000
    static let directory: mode_t = 0o040000
    static let symlink: mode_t = 0o120000
    static let characterDevice: mode_t = 0o020000
    static let blockDevice: mode_t = 0o060000
    static let fifo: mode_t = 0o010000
    static let socket: mode_t = 0o140000
}

/// What extraction has seen so far; link rules need the whole box.
struct ExtractionState {
    let root: String
    var entryCount = 0
    var declaredBytes: Int64 = 0
    var dataBytes: Int64 = 0
    var regularFiles: Set<String> = []
    /// Path in the box → link target as written.
    var symlinks: [String: String] = [:]

    init(root: String) {
        self.root = root
    }

    /// A link may point at another link, but its path may not pass through one: `x -> .` then
    /// `y -> x/../secret` looks inside on paper and is not.
    func checkLinkChains(box: String) throws(BoxArchiveError) {
        for (path, target) in symlinks.sorted(by: { $0.key < $1.key }) {
            guard case .success = EntryPath.resolve(target: target, from: path) else { continue }
            let walked = target.split(separator: "/").filter { $0 != "." }
            // Each intermediate step of the walk must not be a link from this box.
            var stack = Array(path.split(separator: "/").dropLast())
            for component in walked.dropLast() {
                if component == ".." { stack.removeLast() } else { stack.append(component) }
                let prefix = stack.joined(separator: "/")
                if symlinks[prefix] != nil {
                    throw .unsafeEntry(box: box, entry: path, reason: "is a link to \(target), which passes through the link \(prefix)")
                }
            }
        }
    }
}
