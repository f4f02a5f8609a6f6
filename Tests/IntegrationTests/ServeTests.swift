import BoxerTestSupport
import Foundation
import Testing

/// `boxer serve` as a process: the unix socket (0600, no token) and a loopback TCP listener
/// (token), asked with curl; SIGTERM stops both and removes the socket.
@Suite struct ServeTests {
    @Test func socketAndTokenListeners() throws {
        let binary = try #require(BoxerBinary.url?.path)
        let temporary = try TemporaryFolder("boxer-serve")
        let home = try temporary.folder("home")
        // A port that was free a moment ago (the listener is closed at once).
        let port = try LoopbackListener().port
        let server = Process()
        server.executableURL = URL(fileURLWithPath: binary)
        server.arguments = ["serve", "--listen", "127.0.0.1:\(port)"]
        server.environment = ProcessInfo.processInfo.environment.merging(["BOXER_HOME": home.path]) { $1 }
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            if server.isRunning {
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
        }
        let socket = home.appendingPathComponent("run/api.sock").path
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(50_000) }
        for _ in 0..<50 where (try? ProgramRun.run("curl", ["-sf", "-o", "/dev/null", "http://127.0.0.1:\(port)/"]))?.status == 7 {
            usleep(50_000)
        }
        let mode = try FileManager.default.attributesOfItem(atPath: socket)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)

        let overSocket = try ProgramRun.run("curl", ["-sS", "--unix-socket", socket, "-w", "\n%{http_code}", "http://boxer/v1/sizes"])
        #expect(
            overSocket.output.hasSuffix("\n200") && overSocket.output.contains("\"id\":\"c1-m512\""),
            "\(overSocket.output)\(overSocket.error)")
        let refused = try ProgramRun.run("curl", ["-sS", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)/v1/sizes"])
        #expect(refused.output.hasSuffix("\n401") && refused.output.contains("\"kind\":\"unauthorized\""), "\(refused.output)")
        let token = try String(contentsOf: home.appendingPathComponent("api-token"), encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let allowed = try ProgramRun.run(
            "curl", ["-sS", "-H", "Authorization: Bearer \(token)", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)/v1/sizes"])
        #expect(allowed.output.hasSuffix("\n200"), "\(allowed.output)")

        // A second server on the same port says so and stops.
        let other = try temporary.folder("other-home")
        let second = try ProgramRun.run(
            binary, ["serve", "--listen", "127.0.0.1:\(port)"],
            environment: ProcessInfo.processInfo.environment.merging(["BOXER_HOME": other.path]) { $1 })
        #expect(second.status == 1)
        #expect(
            second.error.contains("boxer serve cannot listen on 127.0.0.1:\(port): another program listens there. Choose another --listen"),
            "\(second.error)")

        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: socket), "the socket is removed")
    }
}
