import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeDeleteImage: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-image",
        abstract: "Remove an image (its box) that no node was made from.",
        discussion: "The same as DELETE /v1/images/ID of `boxer serve`."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The image id (`boxer node images`).")
    var image: String

    func run() async throws {
        let output = global.makeOutput()
        try makeNodeService().deleteImage(image)
        output.success("Removed image \(image).")
    }
}
