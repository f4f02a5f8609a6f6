import BoxArchive
import BoxerSupport
import Foundation
import Machines

/// `boxer build --upload URL`: each output is PUT to `URL/<file name>` (curl), with its MD5 in
/// `Content-MD5` for servers that check it. An upload that breaks off is resumed from what the
/// server holds (a PUT with `Content-Range`, or the whole file again when the server does not
/// take ranges), within the same run; a file the server already holds with the same MD5 (ETag or X-Checksum-Md5) is
/// not sent again. Afterwards the server must report the file's size (and MD5, when it tells).
/// `URL.txt` (each URL and its MD5) is written only once every file is up.
public struct ArtifactUpload: Sendable {
    public struct File: Sendable, Equatable {
        public var path: String
        public var md5: String
    }

    public var base: String
    public var log: Output
    public var curl: String
    /// Attempts per file; each after the first resumes.
    public var attempts = 3

    public init(base: String, log: Output, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.base = base.hasSuffix("/") ? base : base + "/"
        self.log = log
        curl = environment["BOXER_CURL"] ?? Programs.find("curl", environment: environment) ?? "/usr/bin/curl"
    }

    /// What the server says of a URL (HEAD).
    struct Remote {
        var status: Int
        var length: Int64?
        var md5: String?
    }

    /// Uploads every file, then writes `URL.txt` in `output`; returns its lines.
    @discardableResult
    public func upload(_ files: [File], output: String) async throws(BuildError) -> [String] {
        var lines: [String] = []
        for file in files {
            try BuildError.checkCancellation("the upload of \((file.path as NSString).lastPathComponent)")
            let url = base + ((file.path as NSString).lastPathComponent.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "")
            try await upload(file, to: url)
            lines.append("\(url) \(file.md5)")
        }
        let text = lines.joined(separator: "\n") + "\n"
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: output + "/URL.txt"), options: .atomic) } catch {
            throw BuildError.cannotWrite(output + "/URL.txt", error.localizedDescription)
        }
        return lines
    }

    func upload(_ file: File, to url: String) async throws(BuildError) {
        let size = Int64((try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)??.int64Value ?? 0)
        let name = (file.path as NSString).lastPathComponent
        var failure = ""
        for attempt in 1...max(1, attempts) {
            let remote = await head(url)
            if remote?.status == 200, remote?.length == size, remote?.md5 == file.md5 {
                log.say("Already uploaded: \(name) (the server has it with the same MD5)")
                return
            }
            // What the server kept of an upload that broke off: resumed from there.
            var offset: Int64 = 0
            if attempt > 1, remote?.status == 200, let held = remote?.length, held > 0, held < size { offset = held }
            log.say(
                offset > 0
                    ? "Resuming the upload of \(name) at \(offset >> 20) MiB of \(size >> 20) MiB to \(url)"
                    : "Uploading \(name) (\(size >> 20) MiB) to \(url)")
            let sent = try await put(file, to: url, from: offset)
            switch sent.code {
            case 200..<300:
                try await verify(file, at: url, size: size)
                return
            case let code where offset > 0 && [400, 416, 501].contains(code):
                // The server does not take ranges: the whole file, now.
                let whole = try await put(file, to: url, from: 0)
                guard (200..<300).contains(whole.code) else { throw BuildError.uploadRefused(name, url: url, status: whole.code) }
                try await verify(file, at: url, size: size)
                return
            case 0:
                failure = sent.failure
                log.warn("The upload of \(name) broke off (\(sent.failure)); attempt \(attempt) of \(attempts)")
                try? await Task.sleep(for: .seconds(Double(attempt)))
            default:
                throw BuildError.uploadRefused(name, url: url, status: sent.code)
            }
        }
        throw BuildError.uploadFailed(name, url: url, reason: failure, attempts: attempts)
    }

    /// A PUT of the file from `offset` (curl sends `Content-Range` for an offset); the status,
    /// 0 when no answer came.
    func put(_ file: File, to url: String, from offset: Int64) async throws(BuildError) -> (code: Int, failure: String) {
        var arguments = ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-T", file.path, "-H", "Expect:"]
        // Content-MD5 covers the whole body, so only a whole-file PUT carries it.
        if offset == 0, let digest = Self.base64(hex: file.md5) { arguments += ["-H", "Content-MD5: \(digest)"] }
        if offset > 0 { arguments += ["-C", String(offset)] }
        arguments.append(url)
        let run: Programs.Result
        do { run = try await Programs.run(curl, arguments) } catch { throw BuildError.passing(error.message, as: .tool) }
        let code = Int(run.output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return (run.succeeded || code > 0 ? code : 0, run.error.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func verify(_ file: File, at url: String, size: Int64) async throws(BuildError) {
        let name = (file.path as NSString).lastPathComponent
        guard let remote = await head(url), remote.status == 200 else {
            throw BuildError.uploadNotThere(name, url: url, what: "the server does not serve it back (HEAD)")
        }
        if let length = remote.length, length != size {
            throw BuildError.uploadNotThere(name, url: url, what: "the server holds \(length) bytes of \(size)")
        }
        if let md5 = remote.md5, md5 != file.md5 {
            throw BuildError.uploadNotThere(name, url: url, what: "the server's MD5 is \(md5), the file's \(file.md5)")
        }
    }

    /// HEAD: status, Content-Length, and an MD5 when the server gives one (X-Checksum-Md5, or an
    /// ETag of 32 hex digits). Nil when the server cannot be reached.
    func head(_ url: String) async -> Remote? {
        guard let run = try? await Programs.run(curl, ["-sS", "-I", url]), run.succeeded else { return nil }
        var remote = Remote(status: 0)
        for line in run.output.split(whereSeparator: \.isNewline) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("HTTP/") {
                remote = Remote(status: Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0)
                continue
            }
            guard let colon = text.firstIndex(of: ":") else { continue }
            let key = text[..<colon].lowercased()
            let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces).trimmingCharacters(
                in: CharacterSet(charactersIn: "\""))
            switch key {
            case "content-length": remote.length = Int64(value)
            case "x-checksum-md5": remote.md5 = value.lowercased()
            case "etag" where value.count == 32 && value.allSatisfy(\.isHexDigit): remote.md5 = remote.md5 ?? value.lowercased()
            default: break
            }
        }
        return remote
    }

    static func base64(hex: String) -> String? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return Data(bytes).base64EncodedString()
    }
}

extension BoxBuilder {
    /// The boxes and images, their catalogs and the checksum files, to `base`.
    func upload(_ result: BuildResult, catalogs: [String], to base: String, output: String) async throws(BuildError) {
        var files = result.files.map { ArtifactUpload.File(path: $0.file, md5: $0.md5) }
        for path in catalogs + ["SHA512SUM.txt", "MD5SUM.txt"].map({ output + "/" + $0 }) {
            files.append(ArtifactUpload.File(path: path, md5: try SourceImage.digest(of: path, type: .md5)))
        }
        let lines = try await ArtifactUpload(base: base, log: log, environment: host.environment).upload(files, output: output)
        log.say("Uploaded \(lines.count) files to \(base); their URLs and MD5 sums are in \(output)/URL.txt")
    }
}
