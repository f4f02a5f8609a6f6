import ArgumentParser
import BoxerSupport
import NodeAPI

struct NodeCreateImage: AsyncParsableCommand, BoxerCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-image",
        abstract: "Make an image (a box in the store) of a stopped node.",
        discussion: """
            Packages the node as `boxer package` does and adds the box under NAME (version 0), \
            with the node's disk size as the image's minimum; `boxer node create --image` then \
            makes nodes from it. The same as POST /v1/images of `boxer serve`.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: NodeTarget

    @Option(help: "The image's (box's) name.")
    var imageName: String

    func run() async throws {
        let output = global.makeOutput()
        let service = makeNodeService()
        let ticket = try await service.beginImage(.init(node: target.name, name: imageName))
        let image = try await service.createImage(ticket, name: imageName, output: output)
        output.success("Image \(image.id) is ready.")
    }
}
