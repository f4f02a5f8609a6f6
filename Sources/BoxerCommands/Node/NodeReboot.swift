import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeReboot: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "reboot",
        abstract: "Reboot a node.",
        discussion:
            "As `boxer reload` in the node's folder: halted, then started again. POST /v1/nodes/NAME/reboot of `boxer serve` does the same."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: NodeTarget

    func run() async throws {
        try await performNodeAction(.reboot, on: target.name, global: global)
    }
}
