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
    /// Over 80 lines on purpose: the entry loop checks every entry in place, in order.
    public func extract(archive: URL, into destination: URL) throws(BoxArchiveError) -> ExtractionResult {
        guard let reader = archive_read_new() else {
            throw .cannotOpen(path: archive.path, reason: "libarchive could not allocate a reader")
        }
        defer { archive_read_free(reader) }
        let opened = try open(archive, with: reader)
        let input = opened.input

        let tree: BoxTree
        let free: Int64
        do {
            tree = try BoxTree(root: destination.path)
            free = try DiskSpace.available(at: destination)
        } catch {
            throw .writeFailed(path: destination.path, reason: "\(error)")
        }
        var state = ExtractionState()
        let fileWriter = BackgroundFileWriter()
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
            let kind = try state.admit(entry: entry, named: rawName, at: relative, box: boxName)

            let needed = Self.dataSize(of: entry)
            if needed > budget - state.declaredBytes {
                throw .insufficientSpace(
                    box: boxName, needed: Self.saturatingSum(state.declaredBytes, needed, reservedSpace), available: free,
                    folder: destination.path)
            }
            state.declaredBytes += needed

            let permissions = Self.normalizedPermissions(archive_entry_perm(entry), type: archive_entry_filetype(entry))
            do {
                switch kind {
                case .directory:
                    try tree.makeDirectory(relative)
                case .symlink(let target):
                    try tree.makeSymlink(relative, target: target)
                case .hardLink(let target):
                    try tree.makeHardLink(relative, to: target)
                case .file:
                    let fd = try tree.createFile(relative, permissions: permissions)
                    defer { close(fd) }
                    state.dataBytes += try writeData(of: entry, from: reader, to: fd, named: rawName, input: input, fileWriter: fileWriter)
                }
            } catch let failure as BoxTree.Failure {
                throw treeError(failure, entry: rawName, kind: kind)
            } catch let error as BoxArchiveError {
                throw error
            } catch {
                throw .writeFailed(path: rawName, reason: "\(error)")
            }
        }
        guard state.entryCount > 0 else {
            throw .notAnArchive(box: boxName, reason: "it holds no entries")
        }
        try state.checkLinkChains(box: boxName)
        input?.drain()
        if let input, input.readError != 0 {
            throw .cannotOpen(path: archive.path, reason: String(cString: strerror(input.readError)))
        }
        let filters = (0..<archive_filter_count(reader)).compactMap { index -> String? in
            guard let name = archive_filter_name(reader, index) else { return nil }
            let text = String(cString: name)
            return text == "none" ? nil : text
        }
        return ExtractionResult(
            checksum: input?.digest?.finalizeHex() ?? opened.separateChecksum,
            archiveBytes: input?.bytesRead ?? archive_filter_bytes(reader, -1),
            dataBytes: state.dataBytes,
            entryCount: state.entryCount,
            format: archive_format_name(reader).map { String(cString: $0) } ?? "unknown",
            filters: filters)
    }

    /// Opens the archive: streamed through `ArchiveInput` (hashed on the way) for tar in any
    /// compression; seekable for zip, whose central directory at the end holds the modes, link
    /// targets and sizes that a streaming read misses.
    private func open(_ archive: URL, with reader: OpaquePointer) throws(BoxArchiveError) -> OpenedArchive {
        let input = try ArchiveInput(path: archive.path, checksum: checksum)
        if input.startsWithZipSignature() {
            // Hash in a pass of its own: seekable reading jumps around the file.
            input.drain()
            if input.readError != 0 {
                throw .cannotOpen(path: archive.path, reason: String(cString: strerror(input.readError)))
            }
            archive_read_support_format_zip_seekable(reader)
            guard archive_read_open_filename(reader, archive.path, ArchiveInput.blockSize) == ARCHIVE_OK else {
                throw openError(reader: reader, input: nil)
            }
            return OpenedArchive(input: nil, separateChecksum: input.digest?.finalizeHex())
        }
        Self.enableBoxFormats(reader)
        // Read past tar's end-of-archive blocks to the end of the compressed stream, so corruption
        // anywhere in the file surfaces as an error instead of being ignored.
        archive_read_set_format_option(reader, "tar", "read_concatenated_archives", "1")
        guard input.attach(to: reader) == ARCHIVE_OK else {
            throw openError(reader: reader, input: input)
        }
        return OpenedArchive(input: input, separateChecksum: nil)
    }

    private struct OpenedArchive {
        /// The streaming input; nil for zip, which libarchive reads from the file itself.
        let input: ArchiveInput?
        /// The checksum of a zip, computed in its own pass.
        let separateChecksum: String?
    }

    /// Only tar in process-internal decompressors: no mtree (it reads files named inside it from
    /// the host), no external decompression programs. Zip is opened separately, seekable.
    static func enableBoxFormats(_ reader: OpaquePointer) {
        archive_read_support_format_tar(reader)
        archive_read_support_format_gnutar(reader)
        archive_read_support_filter_gzip(reader)
        archive_read_support_filter_bzip2(reader)
        archive_read_support_filter_xz(reader)
        archive_read_support_filter_lzma(reader)
        archive_read_support_filter_zstd(reader)
        archive_read_support_filter_lz4(reader)
    }

    // MARK: - Data

    /// Streams an entry's data to the background writer; stops at the first write error.
    private func writeData(
        of entry: OpaquePointer, from reader: OpaquePointer, to fd: Int32, named rawName: String, input: ArchiveInput?,
        fileWriter: BackgroundFileWriter
    ) throws(BoxArchiveError) -> Int64 {
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
            if fileWriter.hasFailed { break }  // no point inflating the rest; finish() reports why
            if size > 0 {
                fileWriter.append(UnsafeRawBufferPointer(start: block, count: size), at: offset)
                written += Int64(size)
                end = max(end, offset + Int64(size))
            }
        }
        let size = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : end
        let code = fileWriter.finish(size: size)
        if code == ENOSPC || code == EDQUOT {
            throw .insufficientSpace(
                box: boxName, needed: 0, available: 0, folder: "the box store (the disk filled up while writing \(rawName))")
        }
        if code != 0 {
            throw .writeFailed(path: rawName, reason: String(cString: strerror(code)))
        }
        return written
    }

    /// Bytes an entry will occupy: its data, not its holes. Saturates instead of overflowing on
    /// hostile headers.
    static func dataSize(of entry: OpaquePointer) -> Int64 {
        guard archive_entry_filetype(entry) == FileType.regular, archive_entry_hardlink(entry) == nil else { return 0 }
        let size = max(archive_entry_size(entry), 0)
        guard archive_entry_sparse_reset(entry) > 0 else { return size }
        var total: Int64 = 0
        var offset: la_int64_t = 0
        var length: la_int64_t = 0
        while archive_entry_sparse_next(entry, &offset, &length) == ARCHIVE_OK {
            total = saturatingSum(total, max(length, 0))
        }
        return min(total, size)
    }

    static func saturatingSum(_ values: Int64...) -> Int64 {
        values.reduce(0) { sum, value in
            let (result, overflow) = sum.addingReportingOverflow(value)
            return overflow ? .max : result
        }
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

    private func openError(reader: OpaquePointer, input: ArchiveInput?) -> BoxArchiveError {
        let text = Self.message(reader, input: input)
        if input?.bytesRead == 0 || text.contains("Unrecognized archive format") {
            return .notAnArchive(box: boxName, reason: input?.bytesRead == 0 ? "the file is empty" : text)
        }
        return .corruptArchive(box: boxName, entry: nil, reason: text)
    }

    private func treeError(_ failure: BoxTree.Failure, entry: String, kind: ExtractionState.Kind) -> BoxArchiveError {
        if case .hardLink = kind, failure.code == EPERM {
            return .unsafeEntry(box: boxName, entry: entry, reason: "is a hard link to something other than a file")
        }
        switch failure.code {
        case ELOOP, ENOTDIR:
            return .unsafeEntry(box: boxName, entry: entry, reason: "would be written through a link or a file")
        case EEXIST:
            return .unsafeEntry(box: boxName, entry: entry, reason: "appears twice in the box")
        case ENOSPC, EDQUOT:
            return .insufficientSpace(
                box: boxName, needed: 0, available: 0, folder: "the box store (the disk filled up while writing \(entry))")
        default:
            return .writeFailed(path: entry, reason: String(cString: strerror(failure.code)))
        }
    }

    static func message(_ reader: OpaquePointer, input: ArchiveInput?) -> String {
        if let input, input.readError != 0 { return String(cString: strerror(input.readError)) }
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

/// What extraction has seen so far; the rules for links need the whole box.
struct ExtractionState {
    enum Kind: Equatable {
        case file, directory
        case symlink(target: String)
        case hardLink(target: String)
    }

    var entryCount = 0
    var declaredBytes: Int64 = 0
    var dataBytes: Int64 = 0
    /// Every path created, with what it is. A path may appear once (folders: any number of times).
    var kinds: [String: Kind] = [:]
    /// Link paths folded to lower case: on case-insensitive filesystems (macOS) `L` and `l` are one.
    var foldedLinks: [String: String] = [:]

    /// Checks an entry against everything before it and records it; returns what to create.
    mutating func admit(entry: OpaquePointer, named rawName: String, at path: String, box: String) throws(BoxArchiveError) -> Kind {
        for parent in EntryPath.parents(of: path) {
            if let link = foldedLinks[parent.lowercased()] {
                throw .unsafeEntry(box: box, entry: rawName, reason: "would be written through the link \(link)")
            }
            if let kind = kinds[parent], kind != .directory {
                throw .unsafeEntry(box: box, entry: rawName, reason: "would be written inside \(parent), which is not a folder")
            }
        }
        let kind = try Self.kind(of: entry, named: rawName, at: path, box: box, known: kinds)
        if let existing = kinds[path] {
            guard existing == .directory, kind == .directory else {
                throw .unsafeEntry(box: box, entry: rawName, reason: "appears twice in the box")
            }
        }
        switch kind {
        case .hardLink:
            kinds[path] = .file  // another name for a file; later hard links may point at it
        case .symlink:
            kinds[path] = kind
            foldedLinks[path.lowercased()] = path
        case .file, .directory:
            kinds[path] = kind
        }
        return kind
    }

    private static func kind(of entry: OpaquePointer, named rawName: String, at path: String, box: String, known: [String: Kind])
        throws(BoxArchiveError) -> Kind
    {
        if let hardlinkPointer = archive_entry_hardlink(entry) {
            let target = String(cString: hardlinkPointer)
            guard case .success(let targetPath?) = EntryPath.normalize(target) else {
                throw .unsafeEntry(box: box, entry: rawName, reason: "is a hard link to \(target), outside the box")
            }
            guard known[targetPath] == .file else {
                throw .unsafeEntry(box: box, entry: rawName, reason: "is a hard link to \(target), which is not a file earlier in the box")
            }
            return .hardLink(target: targetPath)
        }
        switch archive_entry_filetype(entry) {
        case FileType.regular:
            return .file
        case FileType.directory:
            return .directory
        case FileType.symlink:
            let target = archive_entry_symlink(entry).map { String(cString: $0) } ?? ""
            if case .failure(let refusal) = EntryPath.resolve(target: target, from: path) {
                throw .unsafeEntry(box: box, entry: rawName, reason: refusal.reason)
            }
            return .symlink(target: target)
        case FileType.characterDevice, FileType.blockDevice:
            throw .unsafeEntry(box: box, entry: rawName, reason: "is a device node")
        case FileType.fifo:
            throw .unsafeEntry(box: box, entry: rawName, reason: "is a FIFO")
        case FileType.socket:
            throw .unsafeEntry(box: box, entry: rawName, reason: "is a socket")
        default:
            throw .unsafeEntry(box: box, entry: rawName, reason: "has an unknown file type")
        }
    }

    /// A link may point at another link, but its path may not pass through one: `x -> .` then
    /// `y -> x/../secret` looks inside on paper and is not. Compared case-insensitively.
    func checkLinkChains(box: String) throws(BoxArchiveError) {
        for path in foldedLinks.values.sorted() {
            guard case .symlink(let target)? = kinds[path] else { continue }
            var stack = Array(path.split(separator: "/").dropLast())
            for component in target.split(separator: "/").filter({ $0 != "." }).dropLast() {
                if component == ".." {
                    if !stack.isEmpty { stack.removeLast() }
                } else {
                    stack.append(component)
                }
                let prefix = stack.joined(separator: "/")
                if let link = foldedLinks[prefix.lowercased()] {
                    throw .unsafeEntry(box: box, entry: path, reason: "is a link to \(target), which passes through the link \(link)")
                }
            }
        }
    }
}
