import BoxerSupport
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `boxer serve`: the API on a unix socket under `$BOXER_HOME/run` (mode 0600: only this user
/// connects, so no token), and with `tcp` also on that address, where every request carries the
/// token. Both listeners answer the same routes; SIGTERM and SIGINT stop both.
public struct NodeAPIServer: Sendable {
    public struct TCP: Sendable {
        public var host: String
        public var port: Int
        public var token: String

        public init(host: String, port: Int, token: String) {
            self.host = host
            self.port = port
            self.token = token
        }
    }

    public var socketPath: String
    public var tcp: TCP?
    public var service: NodeService
    /// Told each listener's address once it accepts connections.
    public var onListening: @Sendable (String) -> Void

    public init(socketPath: String, tcp: TCP?, service: NodeService, onListening: @escaping @Sendable (String) -> Void = { _ in }) {
        self.socketPath = socketPath
        self.tcp = tcp
        self.service = service
        self.onListening = onListening
    }

    /// The token a TCP listener needs, from `file` (made 0600 with 32 random bytes the first time).
    public static func token(at file: String) throws -> String {
        if let text = try? HostFiles.readText(at: file, limit: 4096) {
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if token.count >= 32 { return token }
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw SystemError(operation: "create", path: file, code: errno) }
        defer { close(descriptor) }
        fchmod(descriptor, 0o600)
        let bytes = Array((token + "\n").utf8)
        guard write(descriptor, bytes, bytes.count) == bytes.count else { throw SystemError(operation: "write", path: file, code: errno) }
        return token
    }

    /// Serves until SIGTERM or SIGINT.
    public func run() async throws {
        // boxer says what failed itself (the error run throws); the server's own log stays quiet.
        var logger = Logger(label: "boxer.serve")
        logger.logLevel = .critical
        let socketPath = self.socketPath
        let onListening = self.onListening
        let runner = OperationRunner()
        var services: [any Service] = [
            runner,
            Application(
                router: NodeAPIRouter.make(service: service, runner: runner, token: nil),
                configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "boxer"),
                onServerRunning: { _ in
                    chmod(socketPath, 0o600)
                    onListening(socketPath)
                }, logger: logger),
        ]
        if let tcp {
            services.append(
                Application(
                    router: NodeAPIRouter.make(service: service, runner: runner, token: tcp.token),
                    configuration: .init(address: .hostname(tcp.host, port: tcp.port), serverName: "boxer"),
                    onServerRunning: { _ in onListening("\(tcp.host):\(tcp.port)") }, logger: logger))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
