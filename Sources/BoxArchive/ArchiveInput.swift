import CLibArchive
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Feeds a file to libarchive in large blocks and hashes every byte on the way, so verifying a box
/// costs no second pass over it.
final class ArchiveInput {
    let path: String
    private let descriptor: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private(set) var digest: StreamingDigest?
    private(set) var bytesRead: Int64 = 0
    private(set) var readError: Int32 = 0

    static let blockSize = 1 << 20

    init(path: String, checksum: ChecksumType?) throws(BoxArchiveError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .cannotOpen(path: path, reason: "it is a folder, not a file")
        }
        #if os(Linux)
            // The whole file is read once, front to back.
            posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        #endif
        descriptor = fd
        buffer = .allocate(byteCount: Self.blockSize, alignment: 4096)
        digest = checksum?.makeDigest()
    }

    deinit {
        buffer.deallocate()
        close(descriptor)
    }

    /// Reads the next block; empty at end of file.
    func next() -> UnsafeRawBufferPointer? {
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                readError = errno
                return nil
            }
            let block = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            digest?.update(block)
            bytesRead += Int64(count)
            return block
        }
    }

    /// Whether the file is a zip ("PK\u{3}\u{4}", or "PK\u{5}\u{6}" when empty). Leaves the position at 0.
    func startsWithZipSignature() -> Bool {
        var signature = [UInt8](repeating: 0, count: 4)
        let count = pread(descriptor, &signature, 4, 0)
        return count == 4 && signature[0] == 0x50 && signature[1] == 0x4B
            && ((signature[2] == 3 && signature[3] == 4) || (signature[2] == 5 && signature[3] == 6))
    }

    /// Reads what libarchive left unread (tar padding, trailing bytes) so the checksum covers the whole file.
    func drain() {
        while let block = next(), !block.isEmpty {}
    }

    /// Hands this input to a libarchive reader.
    func attach(to reader: OpaquePointer) -> Int32 {
        let context = Unmanaged.passUnretained(self).toOpaque()
        return archive_read_open(
            reader, context, nil,
            { _, context, blockPointer in
                guard let context, let blockPointer else { return -1 }
                let input = Unmanaged<ArchiveInput>.fromOpaque(context).takeUnretainedValue()
                guard let block = input.next() else { return -1 }
                blockPointer.pointee = block.baseAddress
                return block.count
            }, nil)
    }
}
