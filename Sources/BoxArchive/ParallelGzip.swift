import BoxerSupport
import CLibArchive
import Dispatch
import Foundation

/// gzip on every core, by pigz's method: the input is cut into blocks, each deflated on its own
/// with the 32 KiB before it as its dictionary and ended with a sync flush, so that the pieces
/// join into one ordinary deflate stream inside one gzip member (readable by gzip, bsdtar and
/// Vagrant). The output is within a few bytes per MiB of a single stream's.
///
/// libarchive hands the tar stream over through a synchronous callback. Blocks are gathered in
/// batches, and two batches take turns: while one is deflated by a fork-join over every core
/// (`concurrentPerform`), the other's output is written and hashed and then libarchive fills it. A batch is always joined before its
/// buffers are refilled, before `finish` returns and before this object goes away, so no work
/// outlives it, and the output is written in order.
final class ParallelGzip {
    static let window = 32 << 10

    private let level: Int32
    private let blockSize: Int
    private let blocksPerBatch: Int
    private var filling: GzipBatch
    private var compressing: GzipBatch
    /// The batch being deflated in the background, with what it needs to be written out.
    private var inFlight: DispatchGroup?
    private var crc: UInt = 0
    private var totalIn: UInt64 = 0
    private var headerWritten = false

    init(level: Int, blockSize: Int = 1 << 20, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.level = Int32(level)
        self.blockSize = blockSize
        blocksPerBatch = max(1, workers) * 4
        filling = GzipBatch(blockSize: blockSize, blocks: blocksPerBatch)
        compressing = GzipBatch(blockSize: blockSize, blocks: blocksPerBatch)
    }

    deinit {
        // An abandoned stream (a write failed) still lets the running batch end before its
        // buffers are freed.
        inFlight?.wait()
    }

    /// Takes `bytes`; `emit` receives compressed output in order and returns false on a write error.
    func append(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        var offset = 0
        while offset < bytes.count {
            offset += filling.fill(from: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            if filling.isFull, !startBatch(final: false, emit: emit) { return false }
        }
        return true
    }

    /// Compresses what is left and writes the trailer.
    func finish(emit: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        guard startBatch(final: true, emit: emit), drain(emit: emit) else { return false }
        var trailer = [UInt8](repeating: 0, count: 8)
        for index in 0..<4 {
            trailer[index] = UInt8(truncatingIfNeeded: crc >> (8 * index))
            trailer[4 + index] = UInt8(truncatingIfNeeded: totalIn >> (8 * index))
        }
        return trailer.withUnsafeBytes(emit)
    }

    /// Waits for the batch in flight and writes its blocks (at the end of the stream).
    private func drain(emit: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        guard let group = inFlight else { return true }
        group.wait()
        inFlight = nil
        return write(compressing, emit: emit)
    }

    /// Writes a compressed batch's blocks in order, folding their CRCs into the stream's.
    private func write(_ batch: GzipBatch, emit: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        for (job, result) in zip(batch.jobs, batch.results.all) {
            guard let result else { return false }
            crc = crc32_combine(crc, result.crc, off_t(job.length))
            totalIn += UInt64(job.length)
            guard emit(UnsafeRawBufferPointer(rebasing: job.output[..<result.count])) else { return false }
        }
        return true
    }

    /// Sends the filled batch off to be deflated, then writes out the one before it while the
    /// new one compresses (so the cores never wait for the writing and hashing), and makes
    /// that one the next to fill.
    private func startBatch(final: Bool, emit: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        if !headerWritten {
            // No name, mtime 0 (the same box twice is the same bytes), OS unix; XFL as gzip sets it.
            let extraFlags: UInt8 = level >= 9 ? 2 : (level <= 1 ? 4 : 0)
            let header: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, extraFlags, 3]
            guard header.withUnsafeBytes(emit) else { return false }
            headerWritten = true
        }
        // The batch before: compressed once its group is done; its output is still to write.
        let finished = inFlight != nil
        inFlight?.wait()
        inFlight = nil
        swap(&filling, &compressing)
        let batch = compressing
        batch.prepareJobs(final: final)
        let level = self.level
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            DispatchQueue.concurrentPerform(iterations: batch.jobs.count) { index in
                batch.results.store(batch.jobs[index].deflate(level: level), at: index)
            }
        }
        inFlight = group
        // `filling` is the batch before (its input is free again, its output not yet written).
        if finished, !write(filling, emit: emit) { return false }
        // The next batch's first block looks back into this one (read only, as its jobs do).
        filling.prime(from: batch)
        return true
    }
}

/// One batch's buffers: its input, preceded by the 32 KiB window before it, and one output
/// buffer per block. Touched by the deflating jobs only between `prepareJobs` and the join, and by
/// the filling side only outside that time; hence unchecked.
private final class GzipBatch: @unchecked Sendable {
    let blockSize: Int
    let blockCount: Int
    private let input: UnsafeMutableRawBufferPointer
    /// The input's start: allocated here, never nil.
    private let inputBase: UnsafeMutableRawPointer
    private let outputs: [UnsafeMutableRawBufferPointer]
    private var filled = 0
    private var primed = 0
    private(set) var jobs: [BlockJob] = []
    private(set) var results = BlockResults(count: 0)

    init(blockSize: Int, blocks: Int) {
        self.blockSize = blockSize
        blockCount = blocks
        inputBase = .allocate(byteCount: ParallelGzip.window + blockSize * blocks, alignment: 64)
        input = UnsafeMutableRawBufferPointer(start: inputBase, count: ParallelGzip.window + blockSize * blocks)
        // deflateBound for raw deflate, plus the sync flush's empty stored block.
        let bound = blockSize + blockSize / 1000 * 5 + 5 * (blockSize / 16_383 + 1) + 64
        outputs = (0..<blocks).map { _ in .allocate(byteCount: bound, alignment: 64) }
    }

    deinit {
        inputBase.deallocate()
        for output in outputs { output.deallocate() }
    }

    var isFull: Bool { filled == blockSize * blockCount }

    /// Copies as much as fits; returns how much.
    func fill(from bytes: UnsafeRawBufferPointer) -> Int {
        let count = min(bytes.count, blockSize * blockCount - filled)
        UnsafeMutableRawBufferPointer(rebasing: input[(ParallelGzip.window + filled)...])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<count]))
        filled += count
        return count
    }

    /// Copies the last 32 KiB of `previous` in front of this batch's input, and empties it.
    func prime(from previous: GzipBatch) {
        let keep = min(ParallelGzip.window, previous.filled)
        let window = ParallelGzip.window
        (inputBase + window - keep).copyMemory(from: previous.inputBase + window + previous.filled - keep, byteCount: keep)
        primed = keep
        filled = 0
    }

    func prepareJobs(final: Bool) {
        let blocks = final ? max(1, (filled + blockSize - 1) / blockSize) : blockCount
        let base = inputBase + ParallelGzip.window
        jobs = (0..<blocks).map { index in
            let start = index * blockSize
            // What comes before the block, within the batch and the window kept in front of it.
            return BlockJob(
                data: base + start, length: max(0, min(blockSize, filled - start)),
                dictionaryLength: min(ParallelGzip.window, primed + start), output: outputs[index],
                last: final && index == blocks - 1)
        }
        results = BlockResults(count: blocks)
    }
}

/// One block's work. The pointers are into ParallelGzip's buffers, which outlive the batch, and
/// no two jobs write the same bytes; hence unchecked.
private struct BlockJob: @unchecked Sendable {
    let data: UnsafeMutableRawPointer
    let length: Int
    let dictionaryLength: Int
    let output: UnsafeMutableRawBufferPointer
    let last: Bool

    /// Raw deflate of the block: a sync flush at its end (byte-aligned, not final) unless it is
    /// the stream's last block. Nil when zlib fails.
    func deflate(level: Int32) -> (count: Int, crc: UInt)? {
        var stream = z_stream()
        guard
            deflateInit2_(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        if dictionaryLength > 0 {
            guard
                deflateSetDictionary(&stream, (data - dictionaryLength).assumingMemoryBound(to: Bytef.self), uInt(dictionaryLength)) == Z_OK
            else { return nil }
        }
        stream.next_in = data.assumingMemoryBound(to: Bytef.self)
        stream.avail_in = uInt(length)
        guard let outputBase = output.baseAddress else { return nil }
        stream.next_out = outputBase.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(output.count)
        let status = CLibArchive.deflate(&stream, last ? Z_FINISH : Z_SYNC_FLUSH)
        let complete = last ? status == Z_STREAM_END : (status == Z_OK && stream.avail_in == 0 && stream.avail_out > 0)
        guard complete else { return nil }
        return (output.count - Int(stream.avail_out), crc32(0, data.assumingMemoryBound(to: Bytef.self), uInt(length)))
    }
}

/// The batch's results, each slot written by exactly one `concurrentPerform` iteration and read
/// after all of them ended.
private final class BlockResults: Sendable {
    private let slots: Locked<[(count: Int, crc: UInt)?]>

    init(count: Int) { slots = Locked(Array(repeating: nil, count: count)) }

    func store(_ result: (count: Int, crc: UInt)?, at index: Int) { slots.withLock { $0[index] = result } }

    var all: [(count: Int, crc: UInt)?] { slots.current }
}
