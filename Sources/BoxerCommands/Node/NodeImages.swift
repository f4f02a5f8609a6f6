import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeImages: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "List the images nodes can be made from (the installed boxes).",
        discussion: "Each image id is NAME:VERSION:ARCHITECTURE:PROVIDER. GET /v1/images gives the same."
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the images as JSON, as the API gives them.")
    var json = false

    func run() async throws {
        let output = global.makeOutput()
        let images = try makeNodeService().images()
        if json { return try printJSON(["images": images], on: output) }
        guard !images.isEmpty else { return output.say("There are no images; `boxer box add` or `boxer build` installs boxes.") }
        for image in images {
            output.text(image.id + (image.minimums.map { "  (needs \($0.cpus) CPU, \($0.memoryMiB) MiB, \($0.diskGiB) GiB)" } ?? ""))
        }
    }
}
