import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeForwardList: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List a node's port forwards.",
        discussion: "Each forward with its id, host address and port, guest port and protocol. The same as GET /v1/nodes/NAME/forwards.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: NodeTarget

    func run() async throws {
        let output = global.makeOutput()
        for forward in try makeNodeService().forwards(of: target.name) {
            output.text("\(forward.id)  \(forward.hostIP):\(forward.hostPort) => \(forward.guestPort)/\(forward.proto)")
        }
    }
}
