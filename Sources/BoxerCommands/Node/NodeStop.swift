import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeStop: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop a node (ACPI shutdown, then power off).",
        discussion: "As `boxer halt` in the node's folder. POST /v1/nodes/NAME/stop of `boxer serve` does the same."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: NodeTarget

    func run() async throws {
        try await performNodeAction(.stop, on: target.name, global: global)
    }
}
