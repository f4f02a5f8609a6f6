import Foundation

/// Plain disk images beside boxes (`boxer build --format qcow2,raw,vmdk`): their checksums, and
/// a gzipped copy written with the same parallel gzip as boxes, hashed as it is written.
public enum ImageFile {
    /// The hex digests of a file, read once for all `types`.
    public static func checksums(of path: String, types: [ChecksumType]) throws(BoxArchiveError) -> [ChecksumType: String] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        var digests = types.map { $0.makeDigest() }
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 4 << 20) ?? Data() } catch {
                throw .cannotOpen(path: path, reason: error.localizedDescription)
            }
            if chunk.isEmpty { break }
            for index in digests.indices { digests[index].update(chunk) }
        }
        return Dictionary(uniqueKeysWithValues: digests.map { ($0.type, $0.finalizeHex()) })
    }

    /// Writes `input` gzipped (one gzip member, as `gzip -d` and `zcat` read it) to a new file at
    /// `output`, and returns the digests of what was written. A partial output is removed.
    public static func gzip(_ input: String, to output: String, level: Int, types: [ChecksumType]) throws(BoxArchiveError)
        -> [ChecksumType: String]
    {
        guard let source = FileHandle(forReadingAtPath: input) else {
            throw .cannotOpen(path: input, reason: String(cString: strerror(errno)))
        }
        defer { try? source.close() }
        let descriptor = open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .writeFailed(path: output, reason: String(cString: strerror(errno))) }
        var digests = types.map { $0.makeDigest() }
        var failure: String?
        let emit: (UnsafeRawBufferPointer) -> Bool = { bytes in
            for index in digests.indices { digests[index].update(bytes) }
            guard let base = bytes.baseAddress else { return true }
            var done = 0
            while done < bytes.count {
                let count = write(descriptor, base + done, bytes.count - done)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return false
                }
                done += count
            }
            return true
        }
        let gzip = ParallelGzip(level: level)
        var ok = true
        while ok {
            let chunk: Data
            do { chunk = try source.read(upToCount: 8 << 20) ?? Data() } catch {
                failure = error.localizedDescription
                ok = false
                break
            }
            if chunk.isEmpty { break }
            ok = chunk.withUnsafeBytes { gzip.append($0, emit: emit) }
        }
        if ok { ok = gzip.finish(emit: emit) }
        if close(descriptor) != 0, ok {
            failure = String(cString: strerror(errno))
            ok = false
        }
        guard ok else {
            unlink(output)
            throw .writeFailed(path: output, reason: failure ?? "the gzip stream could not be written")
        }
        return Dictionary(uniqueKeysWithValues: digests.map { ($0.type, $0.finalizeHex()) })
    }
}
