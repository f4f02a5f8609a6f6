import BoxArchive
import BoxerSupport
import Crypto
import Foundation
import Logging
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Receives download progress; the command line shows it as a progress bar on a terminal.
public protocol DownloadProgressReporting: Sendable {
    func progress(received: Int64, total: Int64?)
    func finished()
}

/// A download in `$BOXER_HOME/tmp/boxer-download-<sha1(url)>`, kept after an interruption so the
/// next attempt resumes where this one stopped (for a day, like Vagrant's).
public struct PartialDownload: Sendable {
    static let prefix = "boxer-download-"
    public let url: URL
    public let file: URL

    init(url: URL, home: BoxerHome) {
        self.url = url
        let key = Insecure.SHA1.hash(data: Data(url.absoluteString.utf8)).map { String(format: "%02x", $0) }.joined()
        file = home.temporary.appendingPathComponent(Self.prefix + key)
    }

    var lockFile: URL { URL(fileURLWithPath: file.path + ".lock") }

    /// Waits for and takes the lock that guards this download: another boxer fetching the same
    /// URL is waited for rather than having its file corrupted.
    public func lock() throws(BoxStoreError) -> FileLock {
        do {
            guard let lock = try FileLock.acquire(lockFile) else { throw BoxStoreError.io("Cannot lock \(lockFile.path)") }
            return lock
        } catch let error as BoxStoreError {
            throw error
        } catch {
            throw .io("Cannot lock \(lockFile.path): \(error)")
        }
    }

    /// Deletes what was downloaded so far, keeping the lock file; call while holding `lock()`.
    public func removeData() {
        try? FileManager.default.removeItem(at: file)
    }

    /// Deletes the download and its lock file; call while holding `lock()`, when done with it.
    public func remove() {
        try? FileManager.default.removeItem(at: file)
        try? FileManager.default.removeItem(at: lockFile)
    }
}

/// HTTP(S) downloads that resume, retry, report progress and hash while receiving.
public struct Downloader: Sendable {
    static let logger = Logger(label: "boxer.download")
    public var progress: (any DownloadProgressReporting)?
    /// Attempts per download; each after the first resumes from what was received.
    public var attempts = 3
    public var userAgent = "boxer"

    public init(progress: (any DownloadProgressReporting)? = nil) {
        self.progress = progress
    }

    /// Whether `url` serves a catalog: a HEAD with `Accept: application/json` answered as JSON,
    /// the test Vagrant uses.
    public func isCatalog(_ url: URL) async throws(BoxStoreError) -> Bool {
        var request = URLRequest(url: url)
        request.httpMethod = "HEAD"
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        let response: URLResponse
        do {
            (_, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw .download(url: url.absoluteString, reason: error.localizedDescription)
        }
        guard let http = response as? HTTPURLResponse else { return false }
        guard (200..<300).contains(http.statusCode) else {
            throw .download(url: url.absoluteString, reason: "the server answered HTTP \(http.statusCode)")
        }
        return (http.value(forHTTPHeaderField: "Content-Type") ?? "").lowercased().contains("json")
    }

    /// Fetches a small document (a catalog) into memory.
    public func fetch(_ url: URL, limit: Int = 20 << 20) async throws(BoxStoreError) -> Data {
        var request = URLRequest(url: url)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                throw BoxStoreError.download(url: url.absoluteString, reason: "the server answered HTTP \(http.statusCode)")
            }
            guard data.count <= limit else {
                throw BoxStoreError.download(url: url.absoluteString, reason: "the document is larger than \(limit) bytes")
            }
            return data
        } catch let error as BoxStoreError {
            throw error
        } catch {
            throw .download(url: url.absoluteString, reason: error.localizedDescription)
        }
    }

    /// Downloads into `partial.file`, resuming what an earlier attempt left, and returns the
    /// checksum of the whole file when a type is given. The caller holds `partial.lock()`.
    public func download(_ partial: PartialDownload, checksum: ChecksumType?) async throws(BoxStoreError) -> String? {
        var lastError: BoxStoreError?
        for number in 1...max(1, attempts) {
            if let lastError {
                Self.logger.info("download attempt \(number - 1) of \(partial.url.absoluteString) failed (\(lastError)); resuming")
            }
            do {
                let digest = try await attempt(partial, checksum: checksum)
                progress?.finished()
                return digest
            } catch let error as BoxStoreError {
                if case .download(_, let reason) = error, Self.isFinal(reason) { throw error }
                lastError = error
            } catch {
                lastError = .download(url: partial.url.absoluteString, reason: error.localizedDescription)
            }
        }
        progress?.finished()
        throw lastError ?? .download(url: partial.url.absoluteString, reason: "unknown error")
    }

    /// Client errors other than a timeout, a stale range or rate limiting will not change on retry.
    static func isFinal(_ reason: String) -> Bool {
        guard reason.hasPrefix("the server answered HTTP 4"), let code = Int(reason.suffix(3)) else { return false }
        return ![408, 416, 429].contains(code)
    }

    private func attempt(_ partial: PartialDownload, checksum: ChecksumType?) async throws -> String? {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: partial.file.path) {
            fileManager.createFile(atPath: partial.file.path, contents: nil)
        }
        let handle = try FileHandle(forUpdating: partial.file)
        defer { try? handle.close() }
        let existing = Int64(try handle.seekToEnd())

        var request = URLRequest(url: partial.url)
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        // Byte ranges and lengths must refer to the file itself, not a compressed transfer of it.
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if existing > 0 {
            request.setValue("bytes=\(existing)-", forHTTPHeaderField: "Range")
        }
        let receiver = DownloadReceiver(handle: handle, resumeFrom: existing, checksum: checksum, file: partial.file, progress: progress)
        let session = URLSession(configuration: .ephemeral, delegate: receiver, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        try await receiver.run(session.dataTask(with: request))
        return try receiver.finish(url: partial.url)
    }
}

/// URLSession delegate that appends to the partial file and hashes what arrives.
private final class DownloadReceiver: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // URLSession calls the delegate serially on its queue; `state` is guarded for the reads from `finish`.
    private let lock = NSLock()
    private let handle: FileHandle
    private let file: URL
    private let checksumType: ChecksumType?
    private let progress: (any DownloadProgressReporting)?
    private var resumeFrom: Int64
    private var digest: StreamingDigest?
    private var received: Int64 = 0
    private var expected: Int64?
    private var failure: (any Error)?
    /// The server said the partial file already holds everything (HTTP 416 on a resume).
    private var alreadyComplete = false
    private var continuation: CheckedContinuation<Void, any Error>?

    init(handle: FileHandle, resumeFrom: Int64, checksum: ChecksumType?, file: URL, progress: (any DownloadProgressReporting)?) {
        self.handle = handle
        self.resumeFrom = resumeFrom
        self.checksumType = checksum
        self.file = file
        self.progress = progress
    }

    func run(_ task: URLSessionDataTask) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            lock.withLock { self.continuation = continuation }
            task.resume()
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse, completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        // Decide under the lock, answer URLSession outside it.
        let disposition: URLSession.ResponseDisposition = lock.withLock { accept(response) }
        completionHandler(disposition)
    }

    private func accept(_ response: URLResponse) -> URLSession.ResponseDisposition {
        guard let http = response as? HTTPURLResponse else {
            beginFresh(expected: response.expectedContentLength)
            return .allow
        }
        let url = response.url?.absoluteString ?? "?"
        switch http.statusCode {
        case 206 where resumeFrom > 0:
            // The range must start where the partial file ends, or the pieces do not fit.
            guard Self.rangeStart(fromContentRange: http.value(forHTTPHeaderField: "Content-Range")) == resumeFrom else {
                try? handle.truncate(atOffset: 0)
                failure = BoxStoreError.download(url: url, reason: "the server resumed at the wrong offset; starting over")
                return .cancel
            }
            do {
                try hashExistingPrefix()
            } catch {
                failure = error
                return .cancel
            }
            received = resumeFrom
            let remaining = http.expectedContentLength
            expected = remaining >= 0 ? resumeFrom + remaining : nil
            return .allow
        case 200..<300:
            beginFresh(expected: http.expectedContentLength)
            return .allow
        case 416 where resumeFrom > 0 && Self.totalLength(fromContentRange: http.value(forHTTPHeaderField: "Content-Range")) == resumeFrom:
            // Nothing left to fetch: the partial file is the whole file. Verify it as it is.
            do {
                try hashExistingPrefix()
                received = resumeFrom
                expected = resumeFrom
                alreadyComplete = true
            } catch {
                failure = error
            }
            return .cancel
        default:
            if http.statusCode == 416 {
                // A stale partial file the server cannot resume: start over on the next attempt.
                try? handle.truncate(atOffset: 0)
            }
            failure = BoxStoreError.download(url: url, reason: "the server answered HTTP \(http.statusCode)")
            return .cancel
        }
    }

    /// `bytes 100-199/200` → 100.
    static func rangeStart(fromContentRange header: String?) -> Int64? {
        guard let header, let space = header.firstIndex(of: " "), let dash = header.firstIndex(of: "-") , space < dash else { return nil }
        return Int64(header[header.index(after: space)..<dash])
    }

    /// `bytes */1234` → 1234.
    static func totalLength(fromContentRange header: String?) -> Int64? {
        guard let header, let slash = header.lastIndex(of: "/") else { return nil }
        return Int64(header[header.index(after: slash)...].trimmingCharacters(in: .whitespaces))
    }

    private func beginFresh(expected length: Int64) {
        try? handle.truncate(atOffset: 0)
        resumeFrom = 0
        received = 0
        digest = checksumType?.makeDigest()
        expected = length >= 0 ? length : nil
    }

    private func hashExistingPrefix() throws {
        digest = checksumType?.makeDigest()
        guard digest != nil else { return }
        let reader = try FileHandle(forReadingFrom: file)
        defer { try? reader.close() }
        var remaining = resumeFrom
        while remaining > 0, let chunk = try reader.read(upToCount: Int(min(remaining, 1 << 20))), !chunk.isEmpty {
            digest?.update(chunk)
            remaining -= Int64(chunk.count)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil else { return }
        do {
            try handle.write(contentsOf: data)
        } catch {
            failure = BoxStoreError.io("Cannot write \(file.path): \(error)")
            dataTask.cancel()
            return
        }
        digest?.update(data)
        received += Int64(data.count)
        progress?.progress(received: received, total: expected)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        lock.lock()
        let continuation = self.continuation
        self.continuation = nil
        let failure = self.failure
        let alreadyComplete = self.alreadyComplete
        let complete = expected == nil || received == expected
        lock.unlock()
        let url = task.originalRequest?.url?.absoluteString ?? "?"
        if let failure {
            continuation?.resume(throwing: failure)
        } else if alreadyComplete {
            continuation?.resume()
        } else if let error {
            continuation?.resume(throwing: BoxStoreError.download(url: url, reason: error.localizedDescription))
        } else if !complete {
            continuation?.resume(throwing: BoxStoreError.download(url: url, reason: "the connection closed early"))
        } else {
            continuation?.resume()
        }
    }

    func finish(url: URL) throws -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let expected, received != expected {
            throw BoxStoreError.download(url: url.absoluteString, reason: "received \(received) of \(expected) bytes")
        }
        try handle.synchronize()
        return digest?.finalizeHex()
    }
}
