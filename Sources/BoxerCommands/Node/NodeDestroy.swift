import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeDestroy: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy",
        abstract: "Destroy a node: its machine, disks and folder.",
        discussion: "As `boxer destroy` in the node's folder, then the folder goes. DELETE /v1/nodes/NAME of `boxer serve` does the same."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: NodeTarget

    func run() async throws {
        try await performNodeAction(.destroy, on: target.name, global: global)
    }
}
