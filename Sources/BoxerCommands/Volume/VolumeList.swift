import ArgumentParser
import BoxerSupport
import NodeAPI

struct VolumeList: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the volumes.", discussion: "The same as GET /v1/volumes; --json prints its JSON.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the volumes as JSON, as the API gives them.")
    var json = false

    func run() async throws {
        let output = global.makeOutput()
        let service = makeNodeService()
        let views = service.volumes.list().map(service.volumeView)
        if json { return try printJSON(["volumes": views], on: output) }
        guard !views.isEmpty else { return output.say("There are no volumes; `boxer volume create NAME --size-mib N` makes one.") }
        for view in views { output.text(describe(view)) }
    }
}
