import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeSizes: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "sizes",
        abstract: "List the node sizes this host offers.",
        discussion: """
            The ladder 1 CPU/512 MiB/10 GiB, 1/1024/10, 1/2048/20, 2/4096/40, 4/8192/80 … cut at this \
            host's CPUs and its memory less what the host keeps (1 GiB, or a quarter of a small \
            host), plus the empty id for none (the box's own settings). GET /v1/sizes gives the same.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the sizes as JSON, as the API gives them.")
    var json = false

    func run() async throws {
        let output = global.makeOutput()
        let sizes = makeNodeService().sizes
        if json { return try printJSON(["sizes": sizes], on: output) }
        for size in sizes { output.text((size.id.isEmpty ? "\"\"" : size.id).padded(to: 12) + "  " + size.name) }
    }
}
