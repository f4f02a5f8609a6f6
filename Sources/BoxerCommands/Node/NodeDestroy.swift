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
        let output = global.makeOutput()
        let service = makeNodeService()
        await service.recoverInterrupted(output: output)
        let ticket = try service.begin(.destroy, node: target.name)
        try await service.perform(.destroy, ticket, output: output)
    }
}
