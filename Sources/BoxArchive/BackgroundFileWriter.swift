import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes file data on its own thread so that decompressing a box and writing its disk images
/// overlap (two cores: one inflates, one copies into the page cache). Data is gathered into 1 MiB
/// chunks; aligned all-zero runs are skipped so images stay sparse. At most `chunkCount` chunks are
/// in flight, which bounds memory.
///
/// A serial dispatch queue rather than Swift tasks: every job is a blocking pwrite(2), which must
/// not occupy the cooperative thread pool.
final class BackgroundFileWriter: @unchecked Sendable {
    static let chunkSize = 1 << 20
    static let chunkCount = 6
    /// Zero runs shorter than this are written; longer aligned ones become holes.
    static let holeGranularity = 64 << 10

    private let queue = DispatchQueue(label: "boxer.extract.writer")
    private let freeSlots = DispatchSemaphore(value: BackgroundFileWriter.chunkCount)
    private let lock = NSLock()
    private var pool: [UnsafeMutableRawBufferPointer]
    private var failureCode: Int32 = 0

    // Owned by the calling thread.
    private var descriptor: Int32 = -1
    private var current: UnsafeMutableRawBufferPointer?
    private var currentCount = 0
    private var currentOffset: Int64 = 0

    init() {
        pool = (0..<Self.chunkCount).map { _ in .allocate(byteCount: Self.chunkSize, alignment: 4096) }
    }

    deinit {
        queue.sync {}
        if let current { pool.append(current) }
        for buffer in pool { buffer.deallocate() }
    }

    /// Starts writing to a new file; the previous one must have been finished.
    func begin(descriptor: Int32) {
        self.descriptor = descriptor
        lock.withLock { failureCode = 0 }
    }

    /// Queues `bytes` to be written at `offset` of the current file.
    func append(_ bytes: UnsafeRawBufferPointer, at offset: Int64) {
        guard var source = bytes.baseAddress else { return }
        var remaining = bytes.count
        var position = offset
        while remaining > 0 {
            if current != nil, currentOffset + Int64(currentCount) != position || currentCount == Self.chunkSize {
                submit()
            }
            if current == nil {
                freeSlots.wait()
                current = lock.withLock { pool.removeLast() }
                currentOffset = position
                currentCount = 0
            }
            guard let chunk = current?.baseAddress else { return }
            let count = min(Self.chunkSize - currentCount, remaining)
            (chunk + currentCount).copyMemory(from: source, byteCount: count)
            currentCount += count
            remaining -= count
            position += Int64(count)
            source += count
        }
    }

    /// Waits for the current file's data to be written, then sets its size (trailing holes
    /// included). Returns the errno of the first failed write, or 0.
    func finish(size: Int64) -> Int32 {
        submit()
        queue.sync {}
        var code = lock.withLock { failureCode }
        if code == 0, ftruncate(descriptor, off_t(size)) != 0 { code = errno }
        return code
    }

    /// True once a write of the current file failed; the caller may stop feeding data.
    var hasFailed: Bool {
        lock.withLock { failureCode != 0 }
    }

    /// Drops what is queued for the current file after an error elsewhere.
    func abandon() {
        if let chunk = current {
            current = nil
            lock.withLock { pool.append(chunk) }
            freeSlots.signal()
        }
        queue.sync {}
    }

    /// A chunk handed to the writer thread; only one side touches it at a time.
    private struct Handoff: @unchecked Sendable {
        let buffer: UnsafeMutableRawBufferPointer
    }

    private func submit() {
        guard let buffer = current else { return }
        current = nil
        let handoff = Handoff(buffer: buffer)
        let fd = descriptor
        let count = currentCount
        let offset = currentOffset
        queue.async { [self] in
            let chunk = handoff.buffer
            if lock.withLock({ failureCode }) == 0 {
                let data = UnsafeRawBufferPointer(rebasing: chunk[0..<count])
                let written = Self.forEachNonZeroRun(data, at: offset) { run, runOffset in
                    Self.writeAll(fd, run, at: runOffset)
                }
                if !written { lock.withLock { failureCode = errno == 0 ? EIO : errno } }
            }
            lock.withLock { pool.append(chunk) }
            freeSlots.signal()
        }
    }

    /// Calls `body` for each part of `block` that is not an aligned, all-zero run.
    static func forEachNonZeroRun(_ block: UnsafeRawBufferPointer, at offset: Int64, _ body: (UnsafeRawBufferPointer, Int64) -> Bool)
        -> Bool
    {
        guard let base = block.baseAddress else { return true }
        var runStart = 0
        var position = 0
        while position < block.count {
            let alignment = Int((offset + Int64(position)) % Int64(holeGranularity))
            let chunkEnd = min(block.count, position + holeGranularity - alignment)
            if chunkEnd - position == holeGranularity, isZero(base + position, count: holeGranularity) {
                if runStart < position,
                    !body(UnsafeRawBufferPointer(start: base + runStart, count: position - runStart), offset + Int64(runStart))
                {
                    return false
                }
                runStart = chunkEnd
            }
            position = chunkEnd
        }
        if runStart < block.count {
            return body(UnsafeRawBufferPointer(start: base + runStart, count: block.count - runStart), offset + Int64(runStart))
        }
        return true
    }

    /// True when every byte is zero; random data fails on the first byte.
    static func isZero(_ pointer: UnsafeRawPointer, count: Int) -> Bool {
        guard count > 0 else { return true }
        return pointer.load(as: UInt8.self) == 0 && memcmp(pointer, pointer + 1, count - 1) == 0
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var done = 0
        while done < bytes.count {
            let count = pwrite(fd, base + done, bytes.count - done, off_t(offset + Int64(done)))
            if count < 0, errno == EINTR { continue }
            if count <= 0 {
                if count == 0 { errno = EIO }  // no progress: never spin
                return false
            }
            done += count
        }
        return true
    }
}
