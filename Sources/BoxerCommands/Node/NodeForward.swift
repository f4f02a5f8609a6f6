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
