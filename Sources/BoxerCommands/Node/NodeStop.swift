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
        let output = global.makeOutput()
        let service = makeNodeService()
        await service.recoverInterrupted(output: output)
        let ticket = try service.begin(.stop, node: target.name)
        try await service.perform(.stop, ticket, output: output)
    }
}
