import BoxerSupport
import CLibArchive
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a box archive is compressed.
public enum BoxCompression: Sendable, Equatable, CustomStringConvertible {
    /// gzip, what Vagrant and Packer write; level 1–9, 6 by default.
    case gzip(level: Int = 6)
    /// zstd, much faster to unpack; readable by boxer and by Vagrant's bsdtar.
    case zstd(level: Int = 3)
    /// A plain tar.
    case none

    public var description: String {
        switch self {
        case .gzip(let level): return "gzip (level \(level))"
        case .zstd(let level): return "zstd (level \(level))"
        case .none: return "none"
        }
    }
}

/// What writing a box produced.
public struct WrittenBox: Sendable {
    public let url: URL
    public let bytes: Int64
    /// Hex digests of the written file, one per requested type.
    public let checksums: [ChecksumType: String]
}

/// Writes a folder as a `.box`: a pax tar with `metadata.json` first, holes in disk images kept as
/// sparse entries, compressed in process, hashed while written.
public struct BoxWriter: Sendable {
    public var compression: BoxCompression
    public var checksums: [ChecksumType]

    public init(compression: BoxCompression = .gzip(), checksums: [ChecksumType] = []) {
        self.compression = compression
        self.checksums = checksums
    }

    /// Partial files of `output` left by writers that were killed (their process is gone): a
    /// box killed half-written leaves only such a hidden file, which the next write removes.
    static func removeAbandonedPartials(of output: URL) {
        let folder = output.deletingLastPathComponent().path
        let prefix = ".\(output.lastPathComponent).partial-"
        for entry in HostFiles.entries(of: folder) where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink(folder + "/" + entry)
        }
    }

    /// The order boxes are written in: metadata first so a reader finds the provider at once.
    static func ordered(_ paths: [String]) -> [String] {
        let leading = ["metadata.json", "Vagrantfile", "info.json"]
        return leading.filter(paths.contains) + paths.filter { !leading.contains($0) }.sorted()
    }

    /// Writes `folder`'s contents to `output`. The file appears only when complete: it is written
    /// next to it under a temporary name and renamed.
    @discardableResult
    public func write(folder: URL, to output: URL) throws(BoxArchiveError) -> WrittenBox {
        let files = try Self.listFiles(in: folder)
        guard files.contains("metadata.json") else {
            throw .missingMetadata(box: folder.path)
        }
        _ = try BoxMetadata(contentsOf: folder, source: folder.path)

        Self.removeAbandonedPartials(of: output)
        let partial = output.deletingLastPathComponent()
            .appendingPathComponent(".\(output.lastPathComponent).partial-\(getpid())")
        let sink = try ArchiveOutput(path: partial.path, checksums: checksums)
        if case .gzip(let level) = compression { sink.gzip = ParallelGzip(level: level) }
        var finished = false
        defer {
            if !finished { unlink(partial.path) }
        }
        guard let writer = archive_write_new() else {
            throw .writeFailed(path: output.path, reason: "libarchive could not allocate a writer")
        }
        defer { archive_write_free(writer) }
        archive_write_set_format_pax_restricted(writer)
        try configureCompression(writer, output: output)
        // No padding to 10 KiB records after the last entry: boxes are files, not tapes.
        archive_write_set_bytes_in_last_block(writer, 1)
        guard sink.attach(to: writer) == ARCHIVE_OK else {
            throw .writeFailed(path: output.path, reason: Self.message(writer))
        }
        for relative in Self.ordered(files) {
            try add(relative, from: folder, to: writer, sink: sink, output: output)
        }
        guard archive_write_close(writer) == ARCHIVE_OK, sink.writeError == 0 else {
            throw .writeFailed(path: output.path, reason: sink.failure ?? Self.message(writer))
        }
        guard sink.finishCompression() else {
            throw .writeFailed(path: output.path, reason: sink.failure ?? "gzip failed")
        }
        try sink.finish()
        guard rename(partial.path, output.path) == 0 else {
            throw .writeFailed(path: output.path, reason: String(cString: strerror(errno)))
        }
        finished = true
        return WrittenBox(url: output, bytes: sink.bytesWritten, checksums: sink.finalizedDigests())
    }

    private func configureCompression(_ writer: OpaquePointer, output: URL) throws(BoxArchiveError) {
        switch compression {
        case .gzip:
            // boxer deflates on every core itself (ParallelGzip); libarchive writes the plain tar.
            archive_write_add_filter_none(writer)
        case .zstd(let level):
            archive_write_add_filter_zstd(writer)
            try option(writer, "zstd", "compression-level", String(level), output: output)
            // zstd's own worker threads (libarchive 3.6+); an older libarchive compresses on one.
            _ = archive_write_set_filter_option(writer, "zstd", "threads", String(ProcessInfo.processInfo.activeProcessorCount))
        case .none:
            archive_write_add_filter_none(writer)
        }
    }

    private func option(_ writer: OpaquePointer, _ module: String, _ key: String, _ value: String, output: URL) throws(BoxArchiveError) {
        if archive_write_set_filter_option(writer, module, key, value) < ARCHIVE_WARN {
            throw .writeFailed(path: output.path, reason: "\(module) \(key) \(value): \(Self.message(writer))")
        }
    }

    private func add(_ relative: String, from folder: URL, to writer: OpaquePointer, sink: ArchiveOutput, output: URL)
        throws(BoxArchiveError)
    {
        let path = folder.appendingPathComponent(relative).path
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
        guard let entry = archive_entry_new() else {
            throw .writeFailed(path: path, reason: "libarchive could not allocate an entry")
        }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname_utf8(entry, relative)
        archive_entry_set_mtime(entry, time_t(info.st_mtim.tv_sec), 0)
        archive_entry_set_uname(entry, "root")
        archive_entry_set_gname(entry, "root")
        let type = info.st_mode & S_IFMT
        switch type {
        case S_IFDIR:
            archive_entry_set_filetype(entry, UInt32(FileType.directory))
            archive_entry_set_perm(entry, 0o755)
            guard archive_write_header(writer, entry) >= ARCHIVE_WARN else {
                throw .writeFailed(path: output.path, reason: Self.message(writer))
            }
        case S_IFLNK:
            var target = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(path, &target, target.count - 1)
            guard count >= 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
            archive_entry_set_filetype(entry, UInt32(FileType.symlink))
            archive_entry_set_perm(entry, 0o777)
            archive_entry_set_symlink(entry, String(decoding: target[0..<count], as: UTF8.self))
            guard archive_write_header(writer, entry) >= ARCHIVE_WARN else {
                throw .writeFailed(path: output.path, reason: Self.message(writer))
            }
        case S_IFREG:
            try addFile(path: path, info: info, entry: entry, writer: writer, sink: sink, output: output)
        default:
            throw .writeFailed(path: path, reason: "only files, folders and symbolic links can go into a box")
        }
    }

    private func addFile(path: String, info: stat, entry: OpaquePointer, writer: OpaquePointer, sink: ArchiveOutput, output: URL)
        throws(BoxArchiveError)
    {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let size = Int64(info.st_size)
        archive_entry_set_filetype(entry, UInt32(FileType.regular))
        archive_entry_set_perm(entry, info.st_mode & 0o111 != 0 ? 0o755 : 0o644)
        archive_entry_set_size(entry, size)
        let segments = SparseMap.dataSegments(fd: fd, size: size)
        let isSparse = segments.reduce(0) { $0 + $1.length } < size
        if isSparse {
            for segment in segments {
                archive_entry_sparse_add_entry(entry, segment.offset, segment.length)
            }
        }
        guard archive_write_header(writer, entry) >= ARCHIVE_WARN else {
            throw .writeFailed(path: output.path, reason: Self.message(writer))
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { buffer.deallocate() }
        var position: Int64 = 0
        for segment in isSparse ? segments : [SparseMap.Segment(offset: 0, length: size)] {
            // The pax writer expects the whole stream and drops what falls in holes.
            try writeZeros(count: segment.offset - position, writer: writer, sink: sink, buffer: buffer, output: output)
            var remaining = segment.length
            var offset = segment.offset
            while remaining > 0 {
                let count = pread(fd, buffer.baseAddress, Int(min(Int64(buffer.count), remaining)), off_t(offset))
                if count < 0, errno == EINTR { continue }
                guard count > 0 else {
                    throw .writeFailed(
                        path: path, reason: count == 0 ? "the file shrank while being packed" : String(cString: strerror(errno)))
                }
                guard archive_write_data(writer, buffer.baseAddress, count) == count else {
                    throw .writeFailed(path: output.path, reason: sink.failure ?? Self.message(writer))
                }
                remaining -= Int64(count)
                offset += Int64(count)
            }
            position = segment.offset + segment.length
        }
        try writeZeros(count: size - position, writer: writer, sink: sink, buffer: buffer, output: output)
    }

    private func writeZeros(count: Int64, writer: OpaquePointer, sink: ArchiveOutput, buffer: UnsafeMutableRawBufferPointer, output: URL)
        throws(BoxArchiveError)
    {
        guard count > 0 else { return }
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        var remaining = count
        while remaining > 0 {
            let chunk = Int(min(Int64(buffer.count), remaining))
            guard archive_write_data(writer, buffer.baseAddress, chunk) == chunk else {
                throw .writeFailed(path: output.path, reason: sink.failure ?? Self.message(writer))
            }
            remaining -= Int64(chunk)
        }
    }

    /// Every file and folder below `folder`, as relative paths, folders before their contents.
    static func listFiles(in folder: URL) throws(BoxArchiveError) -> [String] {
        let root = folder.standardizedFileURL.path
        guard let enumerator = FileManager.default.enumerator(atPath: root) else {
            throw .cannotOpen(path: root, reason: "the folder cannot be read")
        }
        var paths: [String] = []
        while let next = enumerator.nextObject() as? String {
            paths.append(next)
        }
        return paths
    }

    static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}

/// The data regions of a file, found with SEEK_DATA/SEEK_HOLE.
enum SparseMap {
    // Not exported to Swift by Glibc (they need _GNU_SOURCE); values from <unistd.h>.
    #if os(Linux)
        static let seekData: Int32 = 3
        static let seekHole: Int32 = 4
    #else
        static let seekData: Int32 = 4
        static let seekHole: Int32 = 3
    #endif

    struct Segment: Equatable {
        let offset: Int64
        let length: Int64
    }

    static func dataSegments(fd: Int32, size: Int64) -> [Segment] {
        var segments: [Segment] = []
        var position: Int64 = 0
        while position < size {
            let dataStart = Int64(lseek(fd, off_t(position), seekData))
            if dataStart < 0 {
                // ENXIO: only a hole remains. Anything else: the filesystem cannot tell; treat as data.
                if errno != ENXIO { return [Segment(offset: 0, length: size)] }
                break
            }
            var holeStart = Int64(lseek(fd, off_t(dataStart), seekHole))
            if holeStart < 0 || holeStart > size { holeStart = size }
            segments.append(Segment(offset: dataStart, length: holeStart - dataStart))
            position = holeStart
        }
        return segments
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#else
    private let systemWrite = Darwin.write
#endif

/// Receives libarchive's output, writes it to the file and hashes it on the way.
final class ArchiveOutput {
    private let descriptor: Int32
    private let path: String
    private var digests: [StreamingDigest]
    private(set) var bytesWritten: Int64 = 0
    private(set) var writeError: Int32 = 0
    private var compressionFailed = false
    private var cancelled = false
    /// Set for gzip boxes: the tar stream goes through it on its way to the file.
    var gzip: ParallelGzip?

    init(path: String, checksums: [ChecksumType]) throws(BoxArchiveError) {
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
        descriptor = fd
        digests = checksums.map { $0.makeDigest() }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// What went wrong, when a write or the compression failed.
    var failure: String? {
        if cancelled { return "cancelled" }
        if writeError != 0 { return String(cString: strerror(writeError)) }
        return compressionFailed ? "zlib could not compress a block (out of memory?)" : nil
    }

    /// Takes the tar stream from libarchive. A cancelled task (Ctrl-C) stops the box here, so
    /// that a large box does not have to be finished first.
    func write(_ bytes: UnsafeRawBufferPointer) -> Int {
        if Task.isCancelled {
            cancelled = true
            return -1
        }
        guard let gzip else { return writeFile(bytes) }
        guard gzip.append(bytes, emit: { writeFile($0) == $0.count }) else {
            if writeError == 0 { compressionFailed = true }
            return -1
        }
        return bytes.count
    }

    /// Compresses the rest and writes gzip's trailer (nothing to do for other compressions).
    func finishCompression() -> Bool {
        guard let gzip else { return true }
        guard gzip.finish(emit: { writeFile($0) == $0.count }) else {
            if writeError == 0 { compressionFailed = true }
            return false
        }
        return true
    }

    private func writeFile(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var done = 0
        while done < bytes.count {
            let count = systemWrite(descriptor, base + done, bytes.count - done)
            if count < 0 {
                if errno == EINTR { continue }
                writeError = errno
                return -1
            }
            done += count
        }
        for index in digests.indices { digests[index].update(bytes) }
        bytesWritten += Int64(done)
        return done
    }

    func finish() throws(BoxArchiveError) {
        guard fsync(descriptor) == 0 else {
            throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
    }

    func finalizedDigests() -> [ChecksumType: String] {
        Dictionary(uniqueKeysWithValues: digests.map { ($0.type, $0.finalizeHex()) })
    }

    func attach(to writer: OpaquePointer) -> Int32 {
        let context = Unmanaged.passUnretained(self).toOpaque()
        return archive_write_open(
            writer, context, nil,
            { _, context, bytes, count in
                guard let context, let bytes else { return -1 }
                let output = Unmanaged<ArchiveOutput>.fromOpaque(context).takeUnretainedValue()
                return output.write(UnsafeRawBufferPointer(start: bytes, count: count))
            }, nil)
    }
}
