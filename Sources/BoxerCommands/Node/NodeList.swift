import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeList: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the nodes with their state and how to reach them.",
        discussion: "The same as GET /v1/nodes of `boxer serve`; --json prints its JSON."
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the nodes as JSON, as the API gives them.")
    var json = false

    func run() async throws {
        let output = global.makeOutput()
        let service = makeNodeService()
        await service.recoverInterrupted(output: output)
        var views: [NodeView] = []
        for record in service.store.list() { views.append(await service.view(record)) }
        if json { return try printJSON(["nodes": views], on: output) }
        guard !views.isEmpty else { return output.say("There are no nodes; `boxer node create NAME --image ID` makes one.") }
        let rows = views.map { view in
            [
                view.name, view.state, view.sizeID.isEmpty ? "-" : view.sizeID, view.imageID,
                view.sshPort.map { "\(view.sshHost ?? "127.0.0.1"):\($0)" } ?? "-", view.privateIP ?? "-",
            ]
        }
        let header = ["NAME", "STATE", "SIZE", "IMAGE", "SSH", "PRIVATE IP"]
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            output.text(row.enumerated().map { $1.padded(to: widths[$0]) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }
}
