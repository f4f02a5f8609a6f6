import BoxArchive
import BoxerSupport
import Crypto
import Foundation
import Logging

/// A download in `$BOXER_HOME/tmp/boxer-download-<sha1(url)>`, kept after an interruption so the
/// next attempt resumes where this one stopped (for a day, like Vagrant's).
public struct PartialDownload: Sendable {
    static let prefix = "boxer-download-"
    public let url: URL
    public let file: URL

    /// A download into a file of the caller's choosing (the builder's image cache).
    public init(url: URL, file: URL) {
        self.url = url
        self.file = file
    }

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

/// HTTP(S) downloads through the curl program, as Vagrant does them: resumed with
/// `--continue-at`, retried, hashed while the bytes arrive (curl writes to a pipe that boxer
/// reads), with progress from the response headers.
///
/// curl runs as a child process rather than being linked: linking libcurl (through
/// FoundationNetworking) loads some forty shared libraries into every boxer command, which
/// doubled the start-up time of `boxer status`.
public struct Downloader: Sendable {
    static let logger = Logger(label: "boxer.download")

    public var progress: Output?
    /// Attempts per download; each after the first resumes from what was received.
    public var attempts = 3
    public var userAgent = "boxer/0.1"
    /// TLS and curl settings a Vagrantfile's `box_download_*` gives (or `box add`'s flags).
    public var options = DownloadOptions()
    /// The curl executable; `$BOXER_CURL` overrides the one found on PATH.
    public var curl: String

    public init(progress: Output? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.progress = progress
        curl = environment["BOXER_CURL"] ?? Self.find("curl", path: environment["PATH"]) ?? "/usr/bin/curl"
    }

    static func find(_ name: String, path: String?) -> String? {
        for folder in (path ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether `url` serves a catalog: a HEAD with `Accept: application/json` answered as JSON,
    /// the test Vagrant uses.
    public func isCatalog(_ url: URL) async throws(BoxStoreError) -> Bool {
        let run = try await runCurl(
            ["-I", "-H", "Accept: application/json", "-o", "/dev/null", "-w", "%{http_code} %{content_type}", url.absoluteString], url: url)
        let fields = String(decoding: run.output, as: UTF8.self).split(separator: " ", maxSplits: 1)
        let code = fields.first.flatMap { Int($0) } ?? 0
        guard (200..<300).contains(code) else {
            throw .download(url: url.absoluteString, reason: code == 0 ? run.failure : "the server answered HTTP \(code)")
        }
        return fields.count > 1 && fields[1].lowercased().contains("json")
    }

    /// Fetches a small document (a catalog) into memory.
    public func fetch(_ url: URL, limit: Int = 20 << 20) async throws(BoxStoreError) -> Data {
        let headers = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-headers-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: headers) }
        let run = try await runCurl(
            ["-H", "Accept: application/json", "--max-filesize", String(limit), "-D", headers.path, "-o", "-", url.absoluteString], url: url
        )
        if run.status != 0 {
            if let code = Self.lastStatus(in: headers), code >= 400 {
                throw .download(url: url.absoluteString, reason: "the server answered HTTP \(code)")
            }
            throw .download(url: url.absoluteString, reason: run.failure)
        }
        return run.output
    }

    /// Downloads into `partial.file`, resuming what an earlier attempt left, and returns the
    /// checksum of the whole file when a type is given. The caller holds `partial.lock()`.
    public func download(_ partial: PartialDownload, checksum: ChecksumType?) async throws(BoxStoreError) -> String? {
        var lastError: BoxStoreError?
        for number in 1...max(1, attempts) {
            if let lastError {
                Self.logger.info("download attempt \(number - 1) of \(partial.url.absoluteString) failed (\(lastError)); resuming")
            }
            let outcome = await onDedicatedThread { () throws(BoxStoreError) -> String? in
                try attempt(partial, checksum: checksum)
            }
            switch outcome {
            case .success(let digest):
                progress?.progressFinished()
                return digest
            case .failure(let error):
                if Self.isFinal(error) {
                    progress?.progressFinished()
                    throw error
                }
                lastError = error
            }
        }
        progress?.progressFinished()
        throw lastError ?? .download(url: partial.url.absoluteString, reason: "unknown error")
    }

    /// Errors a retry cannot mend: local I/O (a full disk), no curl, and client errors other than a
    /// timeout, a stale range or rate limiting.
    static func isFinal(_ error: BoxStoreError) -> Bool {
        switch error {
        case .io: return true
        case .download(_, let reason):
            if reason.hasPrefix("cannot run") { return true }
            guard reason.hasPrefix("the server answered HTTP 4"), let code = Int(reason.suffix(3)) else { return false }
            return ![408, 416, 429].contains(code)
        default: return false
        }
    }

    /// One curl run appending to the partial file. Blocking: call on a dedicated thread.
    /// Over 80 lines on purpose: the run, its progress and its failures are one sequence.
    private func attempt(_ partial: PartialDownload, checksum: ChecksumType?) throws(BoxStoreError) -> String? {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: partial.file.path) {
            _ = fileManager.createFile(atPath: partial.file.path, contents: nil)
        }
        let headers = URL(fileURLWithPath: partial.file.path + ".headers")
        defer { try? fileManager.removeItem(at: headers) }
        let handle: FileHandle
        let existing: Int64
        do {
            handle = try FileHandle(forUpdating: partial.file)
            existing = Int64(try handle.seekToEnd())
        } catch {
            throw .io("Cannot open \(partial.file.path): \(error)")
        }
        defer { try? handle.close() }

        var digest = checksum?.makeDigest()
        if existing > 0, digest != nil {
            // Resuming: the checksum covers the whole file, so hash what is already there.
            guard let reader = try? FileHandle(forReadingFrom: partial.file) else { throw .io("Cannot read \(partial.file.path)") }
            defer { try? reader.close() }
            var remaining = existing
            while remaining > 0, let chunk = try? reader.read(upToCount: Int(min(remaining, 1 << 20))), !chunk.isEmpty {
                digest?.update(chunk)
                remaining -= Int64(chunk.count)
            }
        }
        var arguments = ["-D", headers.path, "-o", "-"]
        if existing > 0 { arguments += ["--continue-at", String(existing)] }
        arguments.append(partial.url.absoluteString)

        let run = try Self.startCurl(curl, baseArguments + arguments, url: partial.url)
        let process = run.process
        var received = existing
        var total: Int64?
        var writeError: (any Error)?
        let reader = run.output.fileHandleForReading
        while true {
            let chunk: Data
            do {
                guard let next = try reader.read(upToCount: 1 << 20), !next.isEmpty else { break }
                chunk = next
            } catch {
                writeError = error
                process.terminate()
                break
            }
            if total == nil { total = Self.expectedTotal(headers: headers, resumedFrom: existing) }
            guard writeError == nil else { continue }
            do {
                try handle.write(contentsOf: chunk)
            } catch {
                writeError = error
                process.terminate()
                continue
            }
            digest?.update(chunk)
            received += Int64(chunk.count)
            progress?.progress(done: received, total: total)
        }
        process.waitUntilExit()
        let failure = run.failure()
        if let writeError { throw .io("Cannot write \(partial.file.path): \(writeError)") }
        let status = process.terminationStatus
        if status == 0, Self.lastStatus(in: headers) == 416 {
            // With --continue-at curl takes "416 Range Not Satisfiable" as success: the partial file
            // is complete only if the server's total says so; else it is stale, so start over.
            let whole = Self.expectedTotal(headers: headers, resumedFrom: 0)
            if whole != existing {
                try? handle.truncate(atOffset: 0)
                throw .download(
                    url: partial.url.absoluteString, reason: "the partial download does not match the file on the server; starting over")
            }
            total = existing
        }
        if total == nil { total = Self.expectedTotal(headers: headers, resumedFrom: existing) }
        guard status == 0 else {
            let code = Self.lastStatus(in: headers)
            if code == 416 || status == 33 {
                // A partial file the server cannot resume: start over on the next attempt.
                try? handle.truncate(atOffset: 0)
            }
            if let code, code >= 400 {
                throw .download(url: partial.url.absoluteString, reason: "the server answered HTTP \(code)")
            }
            throw .download(url: partial.url.absoluteString, reason: failure.isEmpty ? "curl exited with status \(status)" : failure)
        }
        if let total, received != total {
            throw .download(url: partial.url.absoluteString, reason: "received \(received) of \(total) bytes")
        }
        do {
            try handle.synchronize()
        } catch {
            throw .io("Cannot write \(partial.file.path): \(error)")
        }
        return digest?.finalizeHex()
    }

    /// Flags every curl run gets: quiet but with errors, follow redirects, fail on HTTP errors,
    /// never read ~/.curlrc, no compression (byte ranges must refer to the file itself).
    private var baseArguments: [String] {
        [
            "-q", "--silent", "--show-error", "--location", "--fail", "--user-agent", userAgent, "--connect-timeout", "30",
            // A transfer that stalls (under 1 byte/s for a minute) fails and is resumed.
            "--speed-limit", "1", "--speed-time", "60",
        ] + options.curlArguments
    }

    private func runCurl(_ arguments: [String], url: URL) async throws(BoxStoreError) -> (status: Int32, output: Data, failure: String) {
        let curl = self.curl
        let all = baseArguments + arguments
        let outcome = await onDedicatedThread { () throws(BoxStoreError) -> (Int32, Data, String) in
            let run = try Self.startCurl(curl, all, url: url)
            let data = ((try? run.output.fileHandleForReading.readToEnd()) ?? nil) ?? Data()
            run.process.waitUntilExit()
            return (run.process.terminationStatus, data, run.failure())
        }
        switch outcome {
        case .success(let result): return (result.0, result.1, result.2)
        case .failure(let error): throw error
        }
    }

    /// A running curl: its output on a pipe, its messages in a file (a second pipe could fill up
    /// while the first is being read, and both processes would wait forever).
    struct CurlRun {
        let process: Process
        let output: Pipe
        let errorFile: URL
        let errorHandle: FileHandle?

        /// curl's message, once it has exited; the file is removed.
        func failure() -> String {
            try? errorHandle?.close()
            defer { try? FileManager.default.removeItem(at: errorFile) }
            return ((try? String(contentsOf: errorFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Starts curl with its output on a pipe.
    static func startCurl(_ curl: String, _ arguments: [String], url: URL) throws(BoxStoreError) -> CurlRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: curl)
        process.arguments = arguments
        let output = Pipe()
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-curl-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let errorHandle = try? FileHandle(forWritingTo: errorFile)
        process.standardOutput = output
        process.standardError = errorHandle ?? FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: errorFile)
            throw .download(
                url: url.absoluteString,
                reason: "cannot run \(curl) (\(error.localizedDescription)); install curl (Debian: apt-get install curl)")
        }
        return CurlRun(process: process, output: output, errorFile: errorFile, errorHandle: errorHandle)
    }

    /// The status of the last response in a curl header dump (after redirects).
    static func lastStatus(in headers: URL) -> Int? {
        guard let text = try? String(contentsOf: headers, encoding: .utf8) else { return nil }
        let statusLines = text.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("HTTP/") }
        guard let last = statusLines.last else { return nil }
        let fields = last.split(separator: " ")
        return fields.count > 1 ? Int(fields[1]) : nil
    }

    /// The full size of the file from the last response's headers: Content-Range's total for a
    /// resumed (206) answer, else existing bytes plus Content-Length.
    static func expectedTotal(headers: URL, resumedFrom existing: Int64) -> Int64? {
        guard let text = try? String(contentsOf: headers, encoding: .utf8) else { return nil }
        let blocks = text.components(separatedBy: "\r\n\r\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        guard let last = blocks.last else { return nil }
        var length: Int64?
        var rangeTotal: Int64?
        for line in last.split(whereSeparator: \.isNewline) {
            let lower = line.lowercased()
            if lower.hasPrefix("content-length:") { length = Int64(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) }
            if lower.hasPrefix("content-range:"), let slash = line.lastIndex(of: "/") {
                rangeTotal = Int64(line[line.index(after: slash)...].trimmingCharacters(in: .whitespaces))
            }
        }
        if let rangeTotal { return rangeTotal }
        return length.map { $0 + existing }
    }

}
