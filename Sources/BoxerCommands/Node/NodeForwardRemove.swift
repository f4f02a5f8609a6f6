import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeForwardRemove: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a port forward by its id.",
        discussion: "The same as DELETE /v1/nodes/NAME/forwards/ID.")

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
