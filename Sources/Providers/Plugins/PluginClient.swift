import BoxerSupport
import Foundation
import Machines

/// One conversation with a provider plugin: start it, exchange `hello`s, send one request,
/// read its reply, and make sure the process is gone afterwards. Everything is bounded: a
/// plugin that hangs is killed (by its PID) when its time is up, one that exits or crashes
/// early, prints something that is not a protocol message, or answers another request's id
/// ends the conversation with an error that names the plugin and what it did.
///
/// The plugin's standard input and output are one end of a socket pair rather than pipes, so
/// that writing to a plugin that has died is an error (MSG_NOSIGNAL), not SIGPIPE for boxer.
/// Its standard error goes to a file whose last lines are shown when it fails.
struct PluginClient {
    let executable: String
    let environment: [String: String]

    /// How a conversation ended badly, for `MachineError` messages.
    struct Failure: Error {
        let message: String
    }

    /// Runs `hello` and, when given, one request; returns the plugin's hello and the reply.
    /// One conversation from start to end (over 80 lines on purpose: each step of the protocol
    /// and each way a plugin can break it is handled where it happens, in order).
    func converse(request: PluginProtocol.Request?, timeout: Double, log: (String) -> Void = { _ in }) throws(Failure) -> (
        PluginProtocol.Hello, PluginProtocol.Reply?
    ) {
        var sockets: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sockets) == 0 else {
            throw Failure(message: "cannot make a socket pair for \(executable): \(String(cString: strerror(errno)))")
        }
        let (ours, theirs) = (sockets[0], sockets[1])
        defer { close(ours) }
        let errorLog = FileManager.default.temporaryDirectory.appendingPathComponent(
            "boxer-plugin-\(getpid())-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorLog) }

        // A plugin that stops reading cannot hold boxer's writes past the conversation's time.
        var limit = timeval(tv_sec: Int(timeout.rounded(.up)), tv_usec: 0)
        setsockopt(ours, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = []
        process.environment = environment
        let handle = FileHandle(fileDescriptor: theirs, closeOnDealloc: false)
        process.standardInput = handle
        process.standardOutput = handle
        // Opened close-on-exec, so that programs other threads start do not inherit it.
        let errorDescriptor = open(errorLog.path, O_WRONLY | O_CLOEXEC)
        process.standardError = errorDescriptor >= 0 ? FileHandle(fileDescriptor: errorDescriptor, closeOnDealloc: true) : nil
        do {
            try process.run()
        } catch {
            close(theirs)
            throw Failure(message: "cannot start the provider plugin \(executable): \(error.localizedDescription)")
        }
        close(theirs)
        let pid = process.processIdentifier
        var finished = false
        defer { if !finished { Self.end(process, pid: pid) } }

        var reader = LineReader(descriptor: ours)
        let deadline = Date().addingTimeInterval(timeout)
        func stderrTail() -> String {
            let text = (try? HostFiles.readText(at: errorLog.path, limit: 1 << 20)) ?? ""
            let lines = text.split(separator: "\n").suffix(5).joined(separator: "\n")
            return lines.isEmpty ? "" : "; its error output ends with:\n" + lines
        }
        func fail(_ what: String) -> Failure {
            Self.end(process, pid: pid)
            finished = true
            let status = process.isRunning ? "" : " (exit status \(process.terminationStatus))"
            return Failure(message: "the provider plugin \(executable) \(what)\(status)\(stderrTail())")
        }
        func send<T: Encodable>(_ message: T) throws(Failure) {
            guard var data = try? JSONEncoder().encode(message) else { throw Failure(message: "cannot encode a message for \(executable)") }
            data.append(0x0a)
            let sent = data.withUnsafeBytes { buffer -> Bool in
                var offset = 0
                guard let base = buffer.baseAddress else { return true }
                while offset < buffer.count {
                    let count = sendWithoutSignal(ours, base + offset, buffer.count - offset)
                    if count < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += count
                }
                return true
            }
            guard sent else { throw fail("stopped reading its input") }
        }
        func receive(_ what: String) throws(Failure) -> Data {
            switch reader.line(until: deadline) {
            case .line(let line): return line
            case .end: throw fail("exited before it answered \(what)")
            case .timeout: throw fail("did not answer \(what) within \(Int(timeout)) s, so boxer stopped it")
            case .tooLong: throw fail("printed a line longer than 1 MiB while boxer waited for \(what)")
            }
        }

        try send(PluginProtocol.Hello(versions: [PluginProtocol.version]))
        let helloLine = try receive("hello")
        guard let hello = try? JSONDecoder().decode(PluginProtocol.Hello.self, from: helloLine), hello.type == "hello",
            hello.protocol == PluginProtocol.name
        else {
            throw fail("answered hello with something that is not a \(PluginProtocol.name) hello: \(Self.quote(helloLine))")
        }
        guard hello.version == PluginProtocol.version else {
            throw fail(
                "speaks protocol version \(hello.version.map(String.init) ?? "(none)"), and boxer speaks \(PluginProtocol.version): update the plugin or boxer"
            )
        }
        guard let request else {
            finished = Self.finish(process, pid: pid, closing: ours)
            return (hello, nil)
        }
        try send(request)
        while true {
            let line = try receive("\(request.operation.rawValue)")
            guard let reply = try? JSONDecoder().decode(PluginProtocol.Reply.self, from: line) else {
                throw fail(
                    "printed something that is not a protocol message while boxer waited for \(request.operation.rawValue): \(Self.quote(line))"
                )
            }
            switch reply.type {
            case "log":
                log(reply.message ?? "")
            case "error" where reply.id == nil:
                // The plugin could not take the request at all (it could not read it, or does
                // not know the operation): its own words.
                throw fail("refused \(request.operation.rawValue): \(reply.message ?? "(no message)")")
            case "result", "error":
                guard reply.id == request.id else {
                    throw fail("answered request \(reply.id.map(String.init) ?? "(no id)") while boxer waited for request \(request.id)")
                }
                finished = Self.finish(process, pid: pid, closing: ours)
                return (hello, reply)
            default:
                throw fail("sent a message of unknown type '\(reply.type)': \(Self.quote(line))")
            }
        }
    }

    static func quote(_ line: Data) -> String {
        let text = String(decoding: line.prefix(200), as: UTF8.self)
        return "'\(text)'" + (line.count > 200 ? "…" : "")
    }

    /// After the reply: the plugin's input is closed and it has a moment to exit by itself.
    static func finish(_ process: Process, pid: pid_t, closing descriptor: Int32) -> Bool {
        shutdown(descriptor, Int32(SHUT_RDWR))
        for _ in 0..<50 where process.isRunning { usleep(20_000) }
        end(process, pid: pid)
        return true
    }

    /// SIGTERM, then SIGKILL, to the plugin and the programs it runs in its process group
    /// (Foundation starts it as the leader of a group of its own; a VM it daemonized into a
    /// session of its own is not touched).
    static func end(_ process: Process, pid: pid_t) {
        guard process.isRunning else { return }
        let target = getpgid(pid) == pid ? -pid : pid
        kill(target, SIGTERM)
        for _ in 0..<50 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(target, SIGKILL) }
        process.waitUntilExit()
    }
}

/// `send` with MSG_NOSIGNAL where it exists.
private func sendWithoutSignal(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if os(Linux)
        return send(descriptor, bytes, count, Int32(MSG_NOSIGNAL))
    #else
        return send(descriptor, bytes, count, 0)
    #endif
}

/// Lines from a descriptor, each waited for until a deadline (poll), at most 1 MiB each.
struct LineReader {
    enum Outcome {
        case line(Data)
        case end, timeout, tooLong
    }

    let descriptor: Int32
    var buffer = Data()

    init(descriptor: Int32) {
        self.descriptor = descriptor
        #if os(macOS)
            var on: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }

    mutating func line(until deadline: Date) -> Outcome {
        while true {
            if let newline = buffer.firstIndex(of: 0x0a) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[buffer.index(after: newline)...])
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x0d }) { continue }
                return .line(Data(line))
            }
            if buffer.count > 1 << 20 { return .tooLong }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return .timeout }
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, Int32(min(remaining, 1) * 1000) + 1)
            if ready < 0, errno != EINTR { return .end }
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(descriptor, &chunk, chunk.count)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .end
            }
            if count == 0 { return buffer.isEmpty ? .end : .line(appendFinal()) }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }

    private mutating func appendFinal() -> Data {
        defer { buffer = Data() }
        return buffer
    }
}
