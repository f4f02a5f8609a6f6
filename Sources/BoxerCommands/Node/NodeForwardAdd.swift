import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeForwardAdd: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Forward a host port to a guest port.",
        discussion: "On the running node (QEMU hostfwd_add), kept and added again when it starts. The same as POST /v1/nodes/NAME/forwards."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: NodeTarget

    @Option(help: "The guest's port.")
    var guest: Int

    @Option(help: "The host's port (default: a free one).")
    var host: Int?

    @Option(help: "The host address to listen on.")
    var hostIP = "127.0.0.1"

    @Option(name: .customLong("protocol"), help: "tcp or udp.")
    var proto = "tcp"

    func run() async throws {
        let output = global.makeOutput()
        let request = PortForwardRequest(guestPort: guest, hostPort: host, hostIP: hostIP, proto: proto)
        let added = try await makeNodeService().addForward(request, to: target.name)
        output.success("Forwarding \(added.hostIP):\(added.hostPort) => \(added.guestPort)/\(added.proto) (id \(added.id)).")
    }
}
