import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeShow: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one node as JSON.",
        discussion: "The same as GET /v1/nodes/NAME of `boxer serve`."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: NodeTarget

    func run() async throws {
        let output = global.makeOutput()
        try printJSON(try await makeNodeService().view(target.name), on: output)
    }
}
