import BoxerTestSupport
import Foundation
import Testing

@testable import BoxArchive

@Suite struct ParallelGzipTests {
    /// Small blocks so that the stream crosses many blocks and batches; every block is primed with
    /// the 32 KiB before it.
    static func compress(_ input: Data, blockSize: Int, chunk: Int) throws -> Data {
        let gzip = ParallelGzip(level: 6, blockSize: blockSize, workers: 2)
        var output = Data()
        let emit: (UnsafeRawBufferPointer) -> Bool = {
            output.append(contentsOf: $0)
            return true
        }
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + chunk)
            let accepted = input[offset..<end].withUnsafeBytes { gzip.append($0, emit: emit) }
            try #require(accepted)
            offset = end
        }
        try #require(gzip.finish(emit: emit))
        return output
    }

    static func gunzip(_ data: Data, in temp: TemporaryFolder, name: String) throws -> Data {
        let file = temp.path("\(name).gz")
        try data.write(to: file)
        #expect(try ProgramRun.run("gzip", ["-t", file.path]).status == 0, "gzip -t refuses \(name)")
        let run = try ProgramRun.run("gzip", ["-d", "-f", file.path])
        #expect(run.status == 0, "\(run.error)")
        return try Data(contentsOf: temp.path(name))
    }

    @Test(arguments: [(4096, 1000), (4096, 4096), (16_384, 70_001), (1 << 20, 1 << 20)])
    func gzipReadsBackWhatWasWritten(blockSize: Int, chunk: Int) throws {
        let temp = try TemporaryFolder()
        // A random 10 KiB piece repeated: matches reach back across block and batch boundaries,
        // so a block that was not primed with the window before it would not compress at all.
        var random = SystemRandomNumberGenerator()
        let piece = Data((0..<10_240).map { _ in UInt8.random(in: 0...255, using: &random) })
        var input = Data()
        for index in 0..<40 {
            input.append(piece)
            input.append(contentsOf: Array("line \(index)\n".utf8))
        }
        let compressed = try Self.compress(input, blockSize: blockSize, chunk: chunk)
        #expect(try Self.gunzip(compressed, in: temp, name: "data-\(blockSize)-\(chunk)") == input)
        #expect(
            compressed.count < input.count / 10, "\(compressed.count) bytes for \(input.count): blocks are not primed with their window")
    }

    /// Random bytes do not compress: every block's output must still fit its buffer (the
    /// deflate bound), across several batches of the real block size.
    @Test func incompressibleDataFitsTheBlockBuffers() throws {
        let temp = try TemporaryFolder()
        var random = SystemRandomNumberGenerator()
        var words = [UInt64](repeating: 0, count: (9 << 20) / 8)
        for index in words.indices { words[index] = random.next() }
        let input = words.withUnsafeBytes { Data($0) }
        let compressed = try Self.compress(input, blockSize: 1 << 20, chunk: 300_000)
        #expect(try Self.gunzip(compressed, in: temp, name: "random") == input)
        #expect(compressed.count < input.count + input.count / 100, "\(compressed.count) bytes for \(input.count) random ones")
    }

    @Test(arguments: [0, 1, 4096, 8 * 4096])
    func edgeLengths(length: Int) throws {
        let temp = try TemporaryFolder()
        let input = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let compressed = try Self.compress(input, blockSize: 4096, chunk: 3000)
        #expect(try Self.gunzip(compressed, in: temp, name: "edge-\(length)") == input)
    }
}
