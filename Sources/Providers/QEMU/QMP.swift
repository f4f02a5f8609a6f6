import Foundation
import Machines

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A QEMU Machine Protocol client over the machine's unix socket: one connection per command,
/// greeting and capabilities negotiated, events skipped, every read bounded by a timeout.
public struct QMPClient: Sendable {
    public let socketPath: String
    public var timeout: Double = 5

    public init(socketPath: String, timeout: Double = 5) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// Runs `command` and returns its `return` value (as JSON), or throws QEMU's error.
    @discardableResult
    public func execute(_ command: String, arguments: [String: Any] = [:]) throws(MachineError) -> Any {
        let descriptor = try connect()
        defer { close(descriptor) }
        var reader = LineReader(descriptor: descriptor)
        _ = try reader.nextObject()  // {"QMP": {...}} greeting
        try send(["execute": "qmp_capabilities"], on: descriptor)
        _ = try reader.reply()
        var message: [String: Any] = ["execute": command]
        if !arguments.isEmpty { message["arguments"] = arguments }
        try send(message, on: descriptor)
        return try reader.reply()
    }

    private func connect() throws(MachineError) -> Int32 {
        #if canImport(Glibc)
            let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw MachineError.noQMPSocket }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(descriptor)
            throw MachineError.qmpPathTooLong(socketPath)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        var wait = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                systemConnect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard status == 0 else {
            close(descriptor)
            throw MachineError.qmpUnreachable(socketPath, String(cString: strerror(errno)))
        }
        return descriptor
    }

    private func send(_ message: [String: Any], on descriptor: Int32) throws(MachineError) {
        guard var data = try? JSONSerialization.data(withJSONObject: message) else {
            throw MachineError.qmpCommandNotEncodable
        }
        data.append(0x0A)
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count else { throw MachineError.qmpNotSent(socketPath) }
    }

    /// Reads newline-separated JSON objects from the socket.
    struct LineReader {
        let descriptor: Int32
        var buffer: [UInt8] = []

        mutating func nextObject() throws(MachineError) -> [String: Any] {
            while true {
                if let newline = buffer.firstIndex(of: 0x0A) {
                    let line = Array(buffer[..<newline])
                    buffer.removeFirst(newline + 1)
                    if let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] { return object }
                    continue
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                guard count > 0 else { throw MachineError.qmpClosed }
                buffer += chunk[0..<count]
            }
        }

        /// The next `return` or `error`, skipping asynchronous events.
        mutating func reply() throws(MachineError) -> Any {
            while true {
                let object = try nextObject()
                if let value = object["return"] { return value }
                if let error = object["error"] as? [String: Any] {
                    throw MachineError.qemuRefused(error["desc"] as? String ?? "\(error)")
                }
            }
        }
    }
}

#if canImport(Glibc)
    private let systemConnect = Glibc.connect
#else
    private let systemConnect = Darwin.connect
#endif
