import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for tests: serves fixed documents, honours HEAD and
/// `Range: bytes=N-`, can cut a response short to simulate a dropped connection, and records
/// every request. Nothing leaves the loopback interface.
public final class LoopbackHTTPServer: @unchecked Sendable {
    public struct Route: Sendable {
        public var body: Data
        public var contentType: String
        public var status: Int
        /// Serve only this many body bytes on the first `dropCount` GETs, then close.
        public var dropAfter: Int?
        public var dropCount: Int

        public init(
            body: Data, contentType: String = "application/octet-stream", status: Int = 200, dropAfter: Int? = nil, dropCount: Int = 1
        ) {
            self.body = body
            self.contentType = contentType
            self.status = status
            self.dropAfter = dropAfter
            self.dropCount = dropCount
        }
    }

    public struct Request: Sendable, Equatable {
        public let method: String
        public let path: String
        public let range: String?
        public let accept: String?

        public init(method: String, path: String, range: String?, accept: String?) {
            self.method = method
            self.path = path
            self.range = range
            self.accept = accept
        }
    }

    /// How PUTs under a path prefix are taken: stored (then served like any route), cut off
    /// after some bytes of the body a number of times (what was received is kept, as a file
    /// server that writes as it reads would), or refused with a status.
    public struct UploadPolicy: Sendable {
        public var dropAfter: Int?
        public var dropCount: Int
        public var refuseWith: Int?
        /// Honour `Content-Range` (a resumed upload); else answer such a PUT 501.
        public var resumable: Bool

        public init(dropAfter: Int? = nil, dropCount: Int = 1, refuseWith: Int? = nil, resumable: Bool = true) {
            self.dropAfter = dropAfter
            self.dropCount = dropCount
            self.refuseWith = refuseWith
            self.resumable = resumable
        }
    }

    public let port: UInt16
    private var uploads: [String: UploadPolicy] = [:]
    private let listener: Int32
    private var stopped = false
    private let lock = NSLock()
    private var routes: [String: Route] = [:]
    private var recorded: [Request] = []
    private var thread: Thread?

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestArchiveError("socket: \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw TestArchiveError("bind/listen: \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [unowned self] in self.acceptLoop() }
        self.thread = thread
        thread.start()
    }

    deinit {
        stop()
    }

    /// Idempotent: `stop()` and then deinit must not close the descriptor number twice, which
    /// by then may be another test's socket.
    public func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
    }

    public func url(_ path: String) -> URL {
        // The paths tests serve are plain ASCII; the fallback is never reached.
        URL(string: "http://127.0.0.1:\(port)\(path)") ?? URL(fileURLWithPath: path)
    }

    public func serve(_ path: String, _ route: Route) {
        lock.withLock { routes[path] = route }
    }

    /// Takes PUTs under `prefix` (e.g. "/cache/") as `policy` says.
    public func acceptUploads(under prefix: String, _ policy: UploadPolicy = UploadPolicy()) {
        lock.withLock { uploads[prefix] = policy }
    }

    /// What a PUT stored at `path`.
    public func uploaded(_ path: String) -> Data? {
        lock.withLock { routes[path]?.body }
    }

    public var requests: [Request] {
        lock.withLock { recorded }
    }

    private func acceptLoop() {
        // Not once stopped: the descriptor number may be another socket's by then.
        while !lock.withLock({ stopped }) {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR, !lock.withLock({ stopped }) { continue }
                return
            }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var buffer = [UInt8](repeating: 0, count: 8192)
        var received = Data()
        while !received.contains(Data("\r\n\r\n".utf8)) {
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            received.append(contentsOf: buffer[0..<count])
            if received.count > 65536 { return }
        }
        let head = String(decoding: received, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let method = String(parts[0])
        let path = String(parts[1])
        let request = Request(method: method, path: path, range: headers["range"] ?? headers["content-range"], accept: headers["accept"])
        if method == "PUT" {
            lock.withLock { recorded.append(request) }
            let start = received.range(of: Data("\r\n\r\n".utf8)).map { received.suffix(from: $0.upperBound) } ?? Data()
            receiveUpload(client, path: path, headers: headers, bodyStart: Data(start))
            return
        }
        let (route, drop): (Route?, Int?) = lock.withLock {
            recorded.append(request)
            guard var route = routes[path] else { return (nil, nil) }
            var drop: Int?
            if method == "GET", route.dropCount > 0, let after = route.dropAfter {
                drop = after
                route.dropCount -= 1
                routes[path] = route
            }
            return (route, drop)
        }
        guard let route else {
            send(client, status: 404, headers: ["Content-Length": "9"], body: Data("not found".utf8))
            return
        }
        var body = route.body
        var status = route.status
        var extra: [String: String] = ["Content-Type": route.contentType, "Accept-Ranges": "bytes"]
        if let range = request.range, range.hasPrefix("bytes="), let start = Int(range.dropFirst(6).split(separator: "-").first ?? "") {
            if start >= body.count {
                send(client, status: 416, headers: ["Content-Range": "bytes */\(body.count)", "Content-Length": "0"], body: Data())
                return
            }
            extra["Content-Range"] = "bytes \(start)-\(body.count - 1)/\(body.count)"
            body = body.subdata(in: start..<body.count)
            status = 206
        }
        extra["Content-Length"] = String(body.count)
        if method == "HEAD" {
            send(client, status: status, headers: extra, body: Data())
        } else if let drop {
            send(client, status: status, headers: extra, body: body.prefix(drop))
        } else {
            send(client, status: status, headers: extra, body: body)
        }
    }

    /// A PUT: the body read to its Content-Length, appended at the Content-Range's start when
    /// there is one, stored as a route; 201 on success.
    private func receiveUpload(_ client: Int32, path: String, headers: [String: String], bodyStart: Data) {
        let policy: UploadPolicy? = lock.withLock {
            guard let prefix = uploads.keys.filter({ path.hasPrefix($0) }).max(by: { $0.count < $1.count }), var policy = uploads[prefix]
            else { return nil }
            let current = policy
            if policy.dropAfter != nil, policy.dropCount > 0 {
                policy.dropCount -= 1
                if policy.dropCount == 0 { policy.dropAfter = nil }
                uploads[prefix] = policy
            }
            return current
        }
        guard let policy else {
            send(client, status: 405, headers: ["Content-Length": "0"], body: Data())
            return
        }
        if let refused = policy.refuseWith {
            send(client, status: refused, headers: ["Content-Length": "7"], body: Data("refused".utf8))
            return
        }
        var offset = 0
        if let range = headers["content-range"] {
            // "bytes N-M/T"
            let numbers = range.dropFirst("bytes ".count).split(whereSeparator: { $0 == "-" || $0 == "/" }).compactMap { Int($0) }
            let existing = lock.withLock { routes[path]?.body.count ?? 0 }
            guard policy.resumable, numbers.count == 3, numbers[0] == existing else {
                send(client, status: policy.resumable ? 416 : 501, headers: ["Content-Length": "0"], body: Data())
                return
            }
            offset = numbers[0]
        }
        let length = Int(headers["content-length"] ?? "") ?? 0
        var body = bodyStart
        var buffer = [UInt8](repeating: 0, count: 65536)
        let limit = policy.dropAfter.map { min($0, length) } ?? length
        while body.count < limit {
            let count = recv(client, &buffer, min(buffer.count, limit - body.count), 0)
            guard count > 0 else { break }
            body.append(contentsOf: buffer[0..<count])
        }
        body = body.prefix(limit)
        lock.withLock {
            var stored = offset > 0 ? (routes[path]?.body ?? Data()) : Data()
            stored.append(body)
            // As file servers type files: a catalog is JSON.
            routes[path] = Route(body: stored, contentType: path.hasSuffix(".json") ? "application/json" : "application/octet-stream")
        }
        if policy.dropAfter != nil { return }  // the connection is closed with no answer
        send(client, status: 201, headers: ["Content-Length": "0"], body: Data())
    }

    private func send(_ client: Int32, status: Int, headers: [String: String], body: Data) {
        var text = "HTTP/1.1 \(status) \(status < 300 ? "OK" : "Error")\r\nConnection: close\r\n"
        for (key, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(key): \(value)\r\n" }
        text += "\r\n"
        var payload = Data(text.utf8)
        payload.append(body)
        payload.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var sent = 0
            while sent < raw.count {
                let count = Glibc.send(client, base + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if count <= 0 { return }
                sent += count
            }
        }
    }
}
