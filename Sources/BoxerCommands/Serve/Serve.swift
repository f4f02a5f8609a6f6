import ArgumentParser
import BoxerSupport
import Foundation
import NodeAPI

struct Serve: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve boxer's node API (HTTP+JSON) for Apache Libcloud and scripts.",
        discussion: """
            Listens on the unix socket $BOXER_HOME/run/api.sock (mode 0600: only you connect, \
            no token). With --listen HOST:PORT it also listens there, and every request over TCP \
            must carry `Authorization: Bearer <token>`, the token in $BOXER_HOME/api-token (made \
            0600 the first time). Give a loopback address (127.0.0.1) unless other machines must \
            reach it. The routes are under /v1: sizes, images, nodes (create, list, get, start, stop, \
            reboot, destroy) and operations; `boxer node` runs the same operations without a server. \
            Ctrl-C or SIGTERM stops it once the running operations have finished; a create cut off \
            by a kill is cleaned up when it next starts.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Also listen on TCP at HOST:PORT, with the token.", valueName: "host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("The most all volumes together may take, in MiB (default: what the disk has).", valueName: "MiB"))
    var volumeQuota: Int?

    func validate() throws {
        if let volumeQuota, volumeQuota < 0 { throw ValidationError("--volume-quota \(volumeQuota) is below 0.") }
        if let listen, Self.hostAndPort(listen) == nil {
            throw ValidationError("--listen \(listen) is not HOST:PORT such as 127.0.0.1:8642.")
        }
    }

    static func hostAndPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port),
            colon > text.startIndex
        else { return nil }
        return (String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }

    func run() async throws {
        let output = global.makeOutput()
        let home = BoxerHome()
        let run = home.path + "/run"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var tcp: NodeAPIServer.TCP?
        let tokenFile = home.path + "/api-token"
        if let listen, let (host, port) = Self.hostAndPort(listen) {
            tcp = NodeAPIServer.TCP(host: host, port: port, token: try NodeAPIServer.token(at: tokenFile))
        }
        let socket = run + "/api.sock"
        var service = makeNodeService()
        service.volumeQuotaMiB = volumeQuota
        let recovered = await service.recoverInterrupted(output: output)
        for name in recovered { output.warn("Node \(name)'s create was cut off; its machine was removed and the node marked failed.") }
        let server = NodeAPIServer(socketPath: socket, tcp: tcp, service: service) { address in
            if address == socket {
                output.say("Listening on the unix socket \(socket)")
            } else {
                output.say("Listening on http://\(address)/v1 (token in \(tokenFile))")
            }
        }
        do {
            try await server.run()
        } catch {
            let said = "\(error)"
            throw CommandError.cannotListen(
                listen ?? socket, said.contains("Address already in use") ? "another program listens there" : said)
        }
    }
}
