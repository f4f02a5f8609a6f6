import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeStart: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a stopped node.",
        discussion: "As `boxer up` in the node's folder. POST /v1/nodes/NAME/start of `boxer serve` does the same."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: NodeTarget

    func run() async throws {
        try await performNodeAction(.start, on: target.name, global: global)
    }
}
