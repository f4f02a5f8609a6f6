import ArgumentParser
import BoxerSupport
import NodeAPI

/// `boxer node forward …`: port forwards on a running node's NAT (NIC1).
struct NodeForward: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "List, add and remove port forwards of a running node.",
        discussion: """
            Forwards a host address and port to a guest port on the node's NAT (QEMU's hostfwd), \
            kept with the node and added again whenever it starts. The same as \
            /v1/nodes/NAME/forwards of `boxer serve`.
            """,
        subcommands: [NodeForwardList.self, NodeForwardAdd.self, NodeForwardRemove.self]
    )
}

struct NodeForwardList: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a node's port forwards.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: NodeTarget

    func run() async throws {
        let output = global.makeOutput()
        for forward in try makeNodeService().forwards(of: target.name) {
            output.text("\(forward.id)  \(forward.hostIP):\(forward.hostPort) => \(forward.guestPort)/\(forward.proto)")
        }
    }
}

struct NodeForwardAdd: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Forward a host port to a guest port.")

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

struct NodeForwardRemove: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a port forward by its id.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: NodeTarget

    @Argument(help: "The forward's id (`boxer node forward list`).")
    var id: String

    func run() async throws {
        let output = global.makeOutput()
        try await makeNodeService().removeForward(id, from: target.name)
        output.success("Removed port forward \(id).")
    }
}
